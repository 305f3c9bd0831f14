// The one error handler: a PostgreSQL data exception (SQLSTATE class 22) that slipped past
// validation is the client's 422, not a 500; an environment error (a missing role, grant or
// table: common/db-errors.ts) is a 503 like an outage, and logged.
import { ok, strictEqual } from "node:assert/strict";
import { Hono } from "hono";
import { errorHandler } from "../../api/lib/problem.ts";

Deno.test("SQLSTATE class 22 maps to 422, environment errors to 503, the rest 500", async () => {
  const logged: unknown[] = [];
  for (
    const [code, status] of [
      ["22021", 422],
      ["22P05", 422],
      ["22003", 422],
      ["42P01", 503], // undefined_table: a migration running
      ["28000", 503], // the role does not exist
      ["42501", 503], // permission denied
      ["3D000", 503], // the database does not exist
      ["XX000", 500],
    ]
  ) {
    const app = new Hono();
    app.get("/", () => {
      throw Object.assign(new Error("driver says no"), { code });
    });
    app.onError(errorHandler((error) => logged.push(error)));
    const res = await app.request("/");
    strictEqual(res.status, status, String(code));
    strictEqual(res.headers.get("content-type"), "application/problem+json");
    ok(!(await res.text()).includes("driver says no"), "no driver message to the client");
    if (status === 503) strictEqual(res.headers.get("retry-after"), "1", String(code));
  }
  strictEqual(logged.length, 8, "every one is logged");
});
