// The one error handler: a PostgreSQL data exception (SQLSTATE class 22) that slipped past
// validation is the client's 422, not a 500.
import { ok, strictEqual } from "node:assert/strict";
import { Hono } from "hono";
import { errorHandler } from "../../api/lib/problem.ts";

Deno.test("SQLSTATE class 22 maps to 422; other database errors stay 500", async () => {
  const logged: unknown[] = [];
  for (const [code, status] of [["22021", 422], ["22P05", 422], ["22003", 422], ["42P01", 500]]) {
    const app = new Hono();
    app.get("/", () => {
      throw Object.assign(new Error("driver says no"), { code });
    });
    app.onError(errorHandler((error) => logged.push(error)));
    const res = await app.request("/");
    strictEqual(res.status, status, String(code));
    strictEqual(res.headers.get("content-type"), "application/problem+json");
    ok(!(await res.text()).includes("driver says no"), "no driver message to the client");
  }
  strictEqual(logged.length, 4, "every one is logged");
});
