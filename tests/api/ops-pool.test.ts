// Readiness probes PostgreSQL on a connection of its own (as the outbox relay uses a pool of its
// own), so a request pool exhausted by slow queries does not make the API look like PostgreSQL
// is down.
import { notStrictEqual, strictEqual } from "node:assert/strict";
import { createApp } from "../../api/app.ts";
import { createDeps } from "../../api/deps.ts";
import { createLogger } from "../../common/logger.ts";
import { testConfig } from "../helpers/config.ts";

Deno.test({
  name: "readiness answers ok while every request-pool connection is busy",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const { deps, close } = createDeps(testConfig({ DB_POOL_MAX: "2" }), createLogger("critical"));
    const app = createApp(deps);
    // Both request connections busy for 3 s, and more queued behind them.
    const busy = Array.from({ length: 4 }, () => deps.sql`select pg_sleep(3)`.catch(() => {}));
    try {
      const ready = await app.request("/health/ready");
      const body = await ready.json();
      // The public body carries only the status: "down" (503) would mean the postgres check
      // failed; Redis may still be connecting ("degraded"), which is not what this test is about.
      strictEqual(ready.status, 200, JSON.stringify(body));
      notStrictEqual(body.status, "down", JSON.stringify(body));
    } finally {
      await Promise.all(busy);
      await close();
    }
  },
});
