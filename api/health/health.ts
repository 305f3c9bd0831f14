// Liveness (the process answers) and readiness. The public answer is only ok, degraded or
// down (503): dependency names, addresses and driver errors help an attacker more than a
// load balancer, so the per-dependency detail goes to the log instead. Readiness is down only
// when PostgreSQL, the source of truth, is unreachable: without Redis the API serves from
// PostgreSQL, and without Kafka orders still commit and wait in the outbox.
//
// The endpoint is public and not rate limited, so a flood of it must cost the service nothing
// that matters: concurrent checks share one probe, its result is reused briefly, and the probe
// queries PostgreSQL on a connection of its own, never on the relay's (docs/operations.md, "Separate pools").
import { createRoute, z } from "@hono/zod-openapi";
import { createRouter } from "../lib/openapi.ts";
import type { Sql } from "../platform/db.ts";
import type { Redis } from "../platform/redis.ts";
import type { Log } from "../../common/logger.ts";

export interface DependencyStatus {
  ok: boolean;
  detail?: string;
}

type Check = () => Promise<DependencyStatus> | DependencyStatus;

/** What readiness asks; the relay adds its Kafka producer (events/process-relay.ts). */
export interface HealthDeps {
  sql: Sql;
  /** A small pool of its own for the outbox relay and its leader lock. */
  opsSql?: Sql;
  /** The readiness probe's one connection, which no relay query needs. */
  probeSql?: Sql;
  redis: Redis;
  log: Log;
  /** Extra readiness checks (the Kafka producer, when the relay runs in this process). */
  readinessChecks?: Record<string, Check>;
}

const Readiness = z.object({ status: z.enum(["ok", "degraded", "down"]) }).openapi("Readiness");

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

async function withTimeout(check: Check) {
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

/** Runs every check; the full report is for logs and tests, never for the response. */
export async function readiness(checks: Record<string, Check>) {
  const names = Object.keys(checks);
  const results = await Promise.all(names.map((name) => withTimeout(checks[name])));
  const report = Object.fromEntries(names.map((name, i) => [name, results[i]]));
  const status = report.postgres && !report.postgres.ok
    ? "down" as const
    : results.every((r) => r.ok)
    ? "ok" as const
    : "degraded" as const;
  return { status, checks: report };
}

type Report = Awaited<ReturnType<typeof readiness>>;

/** How long a probe's result answers further checks. */
export const READINESS_CACHE_MS = 1_000;

/**
 * Readiness for any number of concurrent callers: one probe at a time, whose result is reused
 * for `cacheMs` after it finished. `onProbe` sees each fresh result once.
 */
export function sharedReadiness(
  checks: Record<string, Check>,
  { cacheMs = READINESS_CACHE_MS, onProbe = (_: Report) => {}, now = () => performance.now() } = {},
): () => Promise<Report> {
  let inFlight: Promise<Report> | null = null;
  let last: { at: number; report: Report } | null = null;
  return () => {
    if (last && now() - last.at < cacheMs) return Promise.resolve(last.report);
    inFlight ??= readiness(checks).then((report) => {
      last = { at: now(), report };
      onProbe(report);
      return report;
    }).finally(() => inFlight = null);
    return inFlight;
  };
}

export function healthRouter(
  { sql, opsSql = sql, probeSql = opsSql, redis, log, readinessChecks = {} }: HealthDeps,
) {
  const router = createRouter();
  const checks: Record<string, Check> = {
    postgres: async () => {
      await probeSql`select 1`; // its own pool: a busy request pool is not "PostgreSQL down"
      return { ok: true };
    },
    redis: async () => ((await redis.ping()) ? { ok: true } : { ok: false, detail: "no PONG" }),
    ...readinessChecks,
  };

  router.openapi(liveRoute, (c) => c.json({ status: "ok" as const }, 200));

  const check = sharedReadiness(checks, {
    onProbe: ({ status, checks: report }) =>
      log(status === "ok" ? "debug" : "warning", "readiness", { status, checks: report }),
  });

  router.openapi(readyRoute, async (c) => {
    const { status } = await check();
    c.header("Cache-Control", "no-store");
    return status === "down" ? c.json({ status }, 503) : c.json({ status }, 200);
  });

  return router;
}
