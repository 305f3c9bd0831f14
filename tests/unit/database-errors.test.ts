// Which errors mean "the database cannot serve this now" (503 + Retry-After, never 500).
import { strictEqual } from "node:assert/strict";
import { isTransientDbError as isDatabaseDown } from "../../common/db-errors.ts";

const transient = [
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "ENOTFOUND",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "08006",
  "08001",
  "53300",
  "53100",
  "57P01",
  "57P02",
  "57P03",
  "57014",
  "25P03",
  "40001",
  "40P01",
];
const permanent = ["23505", "23503", "22P02", "42P01", "42703", "XX000", "", "TypeError"];

Deno.test("transient database, socket and DNS errors are classified as down", () => {
  for (const code of transient) strictEqual(isDatabaseDown({ code }), true, code);
  strictEqual(isDatabaseDown({ errno: "ECONNREFUSED" }), true);
  strictEqual(isDatabaseDown(new Deno.errors.ConnectionRefused("refused")), true);
  strictEqual(isDatabaseDown({ cause: { code: "EAI_AGAIN" } }), true, "a wrapped cause");
});

Deno.test("bugs and bad input are not", () => {
  for (const code of permanent) strictEqual(isDatabaseDown({ code }), false, code);
  strictEqual(isDatabaseDown(new TypeError("x is undefined")), false);
  strictEqual(isDatabaseDown(null), false);
});
