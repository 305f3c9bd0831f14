// Shared by the fast-read tests (tests/api/fast-read*.test.ts): the cache and request counters
// they compare, and the wait for Redis to hold every revocation.
import { apiMetrics } from "../../api/metrics/metrics.ts";
import { REVOCATIONS_COMPLETE_KEY } from "../../api/auth/session-revocation.ts";
import type { TestApp } from "./app.ts";
import { waitFor } from "./wait.ts";

/** The current value of a counter's series with these labels (0 before its first count). */
async function counted(
  metric: { get(): Promise<{ values: { labels: object; value: number }[] }> },
  labels: Record<string, string>,
) {
  const { values } = await metric.get();
  const matches = (series: object) =>
    Object.entries(labels).every(([k, v]) => String((series as Record<string, unknown>)[k]) === v);
  return values.find((series) => matches(series.labels))?.value ?? 0;
}
export const cacheHits = () => counted(apiMetrics.orderCacheRequests, { result: "hit" });
export const served = () =>
  counted(apiMetrics.httpRequests, { method: "GET", route: "/orders/:order_id", status: "200" });

/**
 * The fast read answers only once Redis is known to hold every revocation: on a Redis that
 * started empty that is after the app's first repair pass (api/platform/redis-repair.ts), which runs
 * once the client is connected. Before it, every read is handed over.
 */
export const denylistComplete = (t: TestApp) =>
  waitFor(async () => await t.deps.redis.client().exists(REVOCATIONS_COMPLETE_KEY) === 1, {
    what: "revoked:complete in Redis",
  });
