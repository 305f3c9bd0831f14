// Builds and tears down the process's connections: one place for main.ts and the tests.
import { createPasswords } from "./auth/passwords.ts";
import { createTokens } from "./auth/tokens.ts";
import type { Config } from "./config.ts";
import { createOpsSql, createProbeSql, createSql } from "./platform/db.ts";
import { countPoolWaits } from "./lib/pool-waits.ts";
import { trackQueries } from "./request-deadline/scope.ts";
import { apiMetrics } from "./metrics/metrics.ts";
import { createLogger, type Log } from "../common/logger.ts";
import { createRevocations } from "./auth/session-revocation.ts";
import { repairCachedOrders } from "./orders/cache-repairs.ts";
import { createOrderCache } from "./orders/orders.cache.ts";
import { findOrder } from "./orders/orders.repo.ts";
import { createRedis } from "./platform/redis.ts";
import { startRedisRepair } from "./platform/redis-repair.ts";
import { traceRedis } from "./platform/redis-tracing.ts";
import { createTrackedReads } from "./platform/redis-tracking.ts";
import { createLeasedCounters } from "./hot-path/leases.ts";
import { createSharedPages } from "./orders/shared-pages.ts";
import type { PageAnswer } from "./orders/orders.handlers.ts";
import type { AppDeps } from "./app.ts";

/** How often unacknowledged Redis writes are pushed; part of the bounds in docs/security.md. */
export const REDIS_REPAIR_INTERVAL_MS = 1_000;

export function createDeps(config: Config, log: Log = createLogger(config.logLevel)) {
  // Requests' queries are tracked so a request cut off at its deadline abandons them.
  const sql = trackQueries(createSql(config.db));
  // The relay's pool: a query of its that has to wait for a connection is counted.
  const opsSql = countPoolWaits(
    createOpsSql(config.db),
    config.db.opsPoolMax,
    () => apiMetrics.relayPoolWaits.inc(),
  );
  const probeSql = createProbeSql(config.db);
  const redis = traceRedis(createRedis(config.redis, log)); // a span per command when traced
  const inProcess = config.hotPathInProcess ? createInProcess(config, redis, log) : undefined;
  const cache = createOrderCache({
    redis,
    log,
    ttlSeconds: config.cacheTtlSeconds,
    reload: (id) => findOrder(sql, id),
    changed: inProcess?.changed,
  });
  const revocations = createRevocations({
    sql,
    redis,
    log,
    accessTtlSeconds: config.jwt.accessTtlSeconds,
    changed: inProcess?.changed,
  });
  const deps: AppDeps = {
    config,
    sql,
    opsSql,
    probeSql,
    redis,
    log,
    cache,
    revocations,
    passwords: createPasswords(config.passwords),
    tokens: createTokens(config.jwt),
    inProcess,
    sharedPages: inProcess
      ? createSharedPages<PageAnswer>({ shareMs: LIST_PAGE_SHARE_MS, maxPages: 1_000 })
      : undefined,
  };
  // Writes Redis did not acknowledge, pushed from their durable records by every process.
  const stopRepair = startRedisRepair({
    redis,
    log,
    intervalMs: REDIS_REPAIR_INTERVAL_MS,
    tasks: [
      { name: "revocations", run: () => revocations.repair() },
      { name: "order cache", run: () => repairCachedOrders(sql, cache) },
    ],
    onCleanPass: inProcess?.tracked.resume,
  });
  async function close() {
    await stopRepair();
    deps.passwords.close();
    await inProcess?.leases.close();
    await inProcess?.tracked.close();
    await Promise.allSettled([
      redis.close(),
      sql.end({ timeout: 5 }),
      opsSql.end({ timeout: 5 }),
      probeSql.end({ timeout: 5 }),
    ]);
  }
  return { deps, close };
}

/** The in-process hot path's state (hot-path/local-round-trip.ts); its settings are explained
 * in docs/security.md, "The in-process hot path". */
function createInProcess(config: Config, redis: ReturnType<typeof createRedis>, log: Log) {
  const tracked = createTrackedReads({
    url: config.redis.url,
    log,
    pingIntervalMs: TRACKING_PROBE_MS,
    trustMs: TRACKING_TRUST_MS,
    fetchTimeoutMs: config.redis.commandTimeoutMs,
    maxEntries: 2_000,
    socketTimeoutMs: config.redis.socketTimeoutMs,
  });
  return {
    tracked,
    leases: createLeasedCounters({ redis, log, maxLease: 64, idleMs: 250 }),
    /** A write of this process: its own copy goes; one Redis did not take stops memory until
     * a repair pass has pushed it (Redis still holds the old value meanwhile). A pass that
     * meets more than its batch of records may resume before the rest land. */
    changed(key: string, landed: boolean) {
      tracked.forget(key);
      if (!landed) tracked.suspend();
    },
  };
}

/** How often the tracking connection is probed, and how old its last answer may be for the
 * in-process copy to be served: part of the bounds in docs/security.md. */
export const TRACKING_PROBE_MS = 100;
export const TRACKING_TRUST_MS = 500;
/** How long one read of a numbered list page is shared in process: the bound on a change made
 * through another instance, in docs/security.md. */
export const LIST_PAGE_SHARE_MS = 25;
