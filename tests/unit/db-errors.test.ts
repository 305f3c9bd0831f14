// The transient/deterministic split of database errors (common/db-errors.ts): postgres.js
// server errors by SQLSTATE, its client codes, socket and DNS errors, wrapped errors.
import { ok, strictEqual } from "node:assert/strict";
import postgres from "postgres";
import {
  classifyDbError,
  ENVIRONMENT_DB_ERRORS,
  environmentDbError,
  isTransientDbError,
} from "../../common/db-errors.ts";

const serverError = (code: string, severity = "ERROR") =>
  new postgres.PostgresError({ code, severity, message: `server error ${code}` } as never);
const clientError = (code: string) => Object.assign(new Error(`client error ${code}`), { code });

Deno.test("transient server errors: shutdown, connections, contention, timeouts", () => {
  for (
    const code of [
      "57P01", // admin_shutdown
      "57P02", // crash_shutdown
      "57P03", // cannot_connect_now
      "53300", // too_many_connections
      "53200", // out_of_memory
      "08006", // connection_failure
      "08001", // sqlclient_unable_to_establish_sqlconnection
      "40001", // serialization_failure
      "40P01", // deadlock_detected
      "57014", // statement timeout
      "55P03", // lock timeout
      "25P03", // idle_in_transaction_session_timeout
    ]
  ) {
    strictEqual(isTransientDbError(serverError(code, "FATAL")), true, code);
  }
});

Deno.test("deterministic server errors are not transient", () => {
  for (
    const code of [
      "22P02", // invalid_text_representation (a bad uuid)
      "23505", // unique_violation
      "23502", // not_null_violation
      "42P01", // undefined_table
      "42703", // undefined_column
      "57P04", // database_dropped: it does not come back by waiting
      "XX000", // internal_error
      "P0001", // raise_exception
    ]
  ) {
    strictEqual(isTransientDbError(serverError(code)), false, code);
  }
});

Deno.test("environment errors: authentication, missing database, permission, table, column", () => {
  for (
    const [code, reason] of [
      ["28000", "authentication"], // invalid_authorization_specification: no such role
      ["28P01", "authentication"], // invalid_password
      ["3D000", "missing-database"], // invalid_catalog_name
      ["42501", "permission"], // insufficient_privilege
      ["42P01", "missing-table"], // undefined_table
      ["42703", "missing-column"], // undefined_column
    ]
  ) {
    const error = serverError(code, "FATAL");
    strictEqual(classifyDbError(error), "environment", code);
    strictEqual(environmentDbError(error)?.reason, reason, code);
    strictEqual(environmentDbError(new Error("wrapped", { cause: error }))?.code, code);
  }
  for (const entry of ENVIRONMENT_DB_ERRORS) ok(entry.why.length > 20, `${entry.match} says why`);
  // Neighbours of the list are not environment errors: a syntax error, a duplicate, a bad value.
  for (const code of ["42601", "42P02", "23505", "22P02", "XX000"]) {
    strictEqual(classifyDbError(serverError(code)), "statement", code);
  }
  strictEqual(classifyDbError(serverError("57P01", "FATAL")), "outage");
  strictEqual(classifyDbError(clientError("ECONNREFUSED")), "outage");
});

Deno.test("client-side connection, timeout and DNS errors are transient", () => {
  for (
    const code of [
      "CONNECT_TIMEOUT",
      "CONNECTION_CLOSED",
      "CONNECTION_ENDED",
      "CONNECTION_DESTROYED",
      "ECONNREFUSED",
      "ECONNRESET",
      "EPIPE",
      "ETIMEDOUT",
      "EAI_AGAIN",
      "ENOTFOUND",
    ]
  ) {
    strictEqual(isTransientDbError(clientError(code)), true, code);
  }
  const denoRefused = Object.assign(new Error("refused"), { name: "ConnectionRefused" });
  strictEqual(isTransientDbError(denoRefused), true);
});

Deno.test("wrapped errors are looked through; programming errors are not transient", () => {
  strictEqual(isTransientDbError(new Error("wrapped", { cause: clientError("ECONNRESET") })), true);
  strictEqual(
    isTransientDbError(new AggregateError([clientError("ECONNREFUSED")], "all addresses failed")),
    true,
  );
  strictEqual(isTransientDbError({ cause: { code: "EAI_AGAIN" } }), true, "a plain object's cause");
  // Deno's own socket errors carry errno or a class, not a code.
  strictEqual(isTransientDbError({ errno: "ECONNREFUSED" }), true);
  strictEqual(isTransientDbError(new Deno.errors.ConnectionRefused("refused")), true);
  strictEqual(isTransientDbError(new TypeError("x is undefined")), false);
  strictEqual(isTransientDbError(clientError("UNDEFINED_VALUE")), false); // postgres.js, a bug
  strictEqual(isTransientDbError("a string"), false);
  strictEqual(isTransientDbError(null), false);
});

Deno.test("real errors from postgres.js: refused connection, statement timeout, bad input", async () => {
  // A port nothing listens on: a real ECONNREFUSED through postgres.js.
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  const down = postgres(`postgres://u:p@127.0.0.1:${port}/db`, { max: 1, connect_timeout: 2 });
  const refused = await down`select 1`.catch((error) => error);
  strictEqual(isTransientDbError(refused), true, String(refused));
  await down.end();

  const url = Deno.env.get("DATABASE_URL");
  if (!url) return; // the rest needs the real database (scripts/test.sh provides it)
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const timeout = await sql.begin(async (tx) => {
      await tx`set local statement_timeout = 50`;
      return await tx`select pg_sleep(5)`;
    }).catch((error) => error);
    strictEqual(timeout.code, "57014");
    strictEqual(isTransientDbError(timeout), true);
    const bad = await sql`select ${"not-a-uuid"}::uuid`.catch((error) => error);
    strictEqual(bad.code, "22P02");
    strictEqual(isTransientDbError(bad), false);
    const missing = await sql`select 1 from no_such_table_here`.catch((error) => error);
    strictEqual(environmentDbError(missing)?.reason, "missing-table");
    const stranger = new URL(url);
    stranger.username = `no_such_role_${crypto.randomUUID().slice(0, 8)}`;
    const nobody = postgres(stranger.toString(), { max: 1, connect_timeout: 5 });
    const refusedRole = await nobody`select 1`.catch((error) => error);
    await nobody.end();
    strictEqual(refusedRole.code, "28000", String(refusedRole));
    strictEqual(classifyDbError(refusedRole), "environment");
  } finally {
    await sql.end();
  }
});
