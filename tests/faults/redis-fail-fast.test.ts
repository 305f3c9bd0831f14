// After a command times out, api/platform/redis.ts fails other commands at once for a while; the writes
// the contract depends on (Redis.send, redis-acknowledged.ts) are still sent (issue 17, M1).
import { ok, rejects, strictEqual } from "node:assert/strict";
import { createRedis } from "../../api/platform/redis.ts";
import { createLogger } from "../../common/logger.ts";
import { testConfig } from "../helpers/config.ts";
import { privateRedis } from "../helpers/processes.ts";
import { waitFor } from "../helpers/wait.ts";

Deno.test({
  name: "after a command timeout, run() fails fast but send() is sent and acknowledged",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await privateRedis();
    const config = testConfig({ REDIS_URL: server.url, REDIS_COMMAND_TIMEOUT_MS: "200" }).redis;
    const redis = createRedis(config, createLogger("critical"));
    try {
      await waitFor(() => redis.ready(), { what: "redis connected" });
      server.freeze();
      try {
        await rejects(redis.run((c) => c.get("k")), /timed out/);
        // Inside the fail-fast window: refused before it is sent...
        const started = performance.now();
        await rejects(redis.run((c) => c.set("skipped", "1")), /not answering/);
        ok(performance.now() - started < 50, "refused at once");
        // ...but a send is sent, and lands once Redis answers again.
        const sent = redis.send((c) => c.set("sent", "1"));
        setTimeout(() => server.thaw(), 50);
        strictEqual(await sent, "OK");
      } finally {
        server.thaw();
      }
      strictEqual(await redis.send((c) => c.get("sent")), "1");
      strictEqual(await redis.send((c) => c.get("skipped")), null);
    } finally {
      await redis.close();
      await server.stop();
    }
  },
});
