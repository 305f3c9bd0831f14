// Liveness (the process answers) and readiness (per-dependency detail). Readiness is 503 only
// when PostgreSQL, the source of truth, is unreachable: without Redis the API serves from
// PostgreSQL, and without Kafka orders still commit and wait in the outbox.
import { createRoute, z } from "@hono/zod-openapi";
import { createRouter } from "../lib/openapi.ts";
import type { AppDeps, DependencyStatus } from "../types.ts";

const Check = z.object({ ok: z.boolean(), detail: z.string().optional() });
const Readiness = z.object({
  status: z.enum(["ok", "degraded", "unavailable"]),
  checks: z.record(z.string(), Check),
}).openapi("Readiness");

const liveRoute = createRoute({
  method: "get",
  path: "/health/live",
  tags: ["health"],
  responses: {
    200: {
      description: "The process is up",
      content: { "application/json": { schema: z.object({ status: z.literal("ok") }) } },
    },
  },
});

const readyRoute = createRoute({
  method: "get",
  path: "/health/ready",
  tags: ["health"],
  responses: {
    200: { description: "Ready", content: { "application/json": { schema: Readiness } } },
    503: {
      description: "PostgreSQL is unreachable",
      content: { "application/json": { schema: Readiness } },
    },
  },
});

async function withTimeout(check: () => Promise<DependencyStatus> | DependencyStatus) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<DependencyStatus>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, detail: "timed out" }), 1_000);
  });
  try {
    return await Promise.race([Promise.resolve().then(check), timeout]);
  } catch (error) {
    return { ok: false, detail: (error as Error).message ?? String(error) };
  } finally {
    clearTimeout(timer);
  }
}

export function healthRouter({ sql, opsSql = sql, redis, readinessChecks = {} }: AppDeps) {
  const router = createRouter();
  const checks: Record<string, () => Promise<DependencyStatus> | DependencyStatus> = {
    postgres: async () => {
      await opsSql`select 1`; // its own pool: a busy request pool is not "PostgreSQL down"
      return { ok: true };
    },
    redis: async () => ((await redis.ping()) ? { ok: true } : { ok: false, detail: "no PONG" }),
    ...readinessChecks,
  };

  router.openapi(liveRoute, (c) => c.json({ status: "ok" as const }, 200));

  router.openapi(readyRoute, async (c) => {
    const names = Object.keys(checks);
    const results = await Promise.all(names.map((name) => withTimeout(checks[name])));
    const report = Object.fromEntries(names.map((name, i) => [name, results[i]]));
    const status = !report.postgres.ok
      ? "unavailable" as const
      : results.every((r) => r.ok)
      ? "ok" as const
      : "degraded" as const;
    c.header("Cache-Control", "no-store");
    if (status === "unavailable") return c.json({ status, checks: report }, 503);
    return c.json({ status, checks: report }, 200);
  });

  return router;
}
