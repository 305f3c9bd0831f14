// Redis hung (SIGSTOP, so connections stay open but nothing answers) under load: the API keeps
// serving from PostgreSQL within its deadline, readiness says "degraded", and once Redis
// resumes the cache is used again without a restart (issue 7, "hangs, not only refusals").
// And an idle connection to a hung Redis is noticed (socketTimeout + pingInterval), dropped
// and replaced once Redis answers again.
import { ok } from "node:assert/strict";
import { uniqueIp } from "../helpers/config.ts";
import { client } from "../helpers/http.ts";
import { orderTraffic, startLoad, summary } from "../helpers/load.ts";
import { privateRedis, startApi } from "../helpers/processes.ts";
import { waitFor } from "../helpers/wait.ts";

const BOUND_MS = 2_000;
const SLACK_MS = 4_000; // a shared, slow machine: room for a late timer, not for a hang
const WORKERS = 6;

Deno.test({
  name: "Redis SIGSTOPped under load: requests keep succeeding within the bound, then it recovers",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const redis = await privateRedis();
    const api = await startApi({
      REDIS_URL: redis.url,
      REQUEST_TIMEOUT_MS: String(BOUND_MS),
      SLOWAPI_RATELIMIT: "1000000/minute",
    });
    try {
      const ip = uniqueIp();
      const http = client(api.url, { "X-Forwarded-For": ip });
      const user = await http.user("redis-freeze");
      // Readiness says only ok / degraded / down; with PostgreSQL and Kafka up, "degraded"
      // here means Redis.
      const readiness = async () => (await http.call("GET", "/health/ready")).data?.status;
      await waitFor(async () => (await readiness()) === "ok", {
        timeoutMs: 30_000,
        what: "readiness ok",
      });

      const load = startLoad(orderTraffic(api.url, user.token, ip), { workers: WORKERS });
      const served = (more: number) => {
        const target = load.count("2xx") + more;
        return waitFor(() => load.count("2xx") >= target, { timeoutMs: 30_000, what: "progress" });
      };
      await served(10);
      redis.freeze();
      const frozenAt = performance.now();
      try {
        // Readiness notices (its ping times out), and requests keep succeeding meanwhile.
        await waitFor(async () => (await readiness()) === "degraded", {
          what: "readiness to degrade",
        });
        await served(30 * WORKERS); // a few seconds of load against the hung Redis
      } finally {
        redis.thaw();
      }
      const frozenMs = Math.round(performance.now() - frozenAt);
      await waitFor(async () => (await readiness()) === "ok", {
        timeoutMs: 15_000,
        what: "redis to be used again",
      });
      await served(10);
      const outcomes = await load.stop();

      const detail = summary(outcomes);
      console.log(`Redis SIGSTOP for ${frozenMs} ms under load: ${detail}`);
      ok(api.alive(), "the API process is still running");
      for (const o of outcomes) {
        ok(o.status >= 200 && o.status < 300, `${o.op} → ${o.status}: ${detail}`);
        ok(o.ms < BOUND_MS + SLACK_MS, `${o.op} took ${Math.round(o.ms)} ms: ${detail}`);
      }
    } finally {
      await api.stop();
      redis.thaw();
      await redis.stop();
    }
  },
});

Deno.test({
  name: "an idle connection to a hung Redis is detected, dropped and replaced",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const redis = await privateRedis();
    const api = await startApi({
      REDIS_URL: redis.url,
      REDIS_SOCKET_TIMEOUT_MS: "1000",
      REDIS_PING_INTERVAL_MS: "300",
    });
    const logged = (msg: string) => api.logs.filter((l) => l.includes(`"msg":"${msg}"`)).length;
    try {
      const http = client(api.url, { "X-Forwarded-For": uniqueIp() });
      await waitFor(async () => (await http.call("GET", "/health/ready")).data?.status === "ok", {
        timeoutMs: 30_000,
        what: "readiness ok",
      });
      redis.freeze(); // no traffic from here: only the client's own ping can notice
      try {
        await waitFor(() => logged("redis unavailable") > 0, {
          timeoutMs: 15_000,
          what: "the client to notice the hung connection",
        });
      } finally {
        redis.thaw();
      }
      await waitFor(() => logged("redis reconnected") > 0, {
        timeoutMs: 15_000,
        what: "a new connection",
      });
      await waitFor(async () => (await http.call("GET", "/health/ready")).data?.status === "ok", {
        what: "readiness ok again",
      });
    } finally {
      await api.stop();
      await redis.stop();
    }
  },
});
