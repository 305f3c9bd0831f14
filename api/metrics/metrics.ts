// The API's Prometheus metrics (prom-client), one registry per process. Other modules record
// into these with one call each; the collect()-based gauges are read only when scraped.
// Served on METRICS_PORT by api/metrics/server.ts, never on the public port.
import { Counter, Gauge, Histogram, Registry } from "prom-client";

export const registry = new Registry();
const registers = [registry];

// Seconds. Cached GETs take about a millisecond; writes and logins take tens to hundreds.
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const apiMetrics = {
  httpRequests: new Counter({
    name: "http_requests_total",
    help: "HTTP requests answered, by method, route template and status code.",
    labelNames: ["method", "route", "status"] as const,
    registers,
  }),
  httpDuration: new Histogram({
    name: "http_request_duration_seconds",
    help: "Time to answer an HTTP request, by method and route template.",
    labelNames: ["method", "route"] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  }),
  ordersCreated: new Counter({
    name: "orders_created_total",
    help: "Orders committed (idempotent replays not counted).",
    registers,
  }),
  outboxPublished: new Counter({
    name: "outbox_published_total",
    help: "Outbox events acknowledged by Kafka to this process's relay (counted at the ack).",
    registers,
  }),
  relayPoolWaits: new Counter({
    name: "outbox_relay_pool_waits_total",
    help: "Relay queries that found every connection of the relay's pool busy (should stay 0).",
    registers,
  }),
  outboxPublishFailures: new Counter({
    name: "outbox_publish_failures_total",
    help: "Outbox events whose publish attempt failed (they stay pending and are retried).",
    registers,
  }),
  rateLimitRejected: new Counter({
    name: "rate_limit_rejected_total",
    help: "Requests answered 429 by a rate limiter.",
    labelNames: ["limiter"] as const,
    registers,
  }),
  orderCacheRequests: new Counter({
    name: "order_cache_requests_total",
    help: "Order cache reads: hit, miss, or error (Redis unavailable; PostgreSQL answered).",
    labelNames: ["result"] as const,
    registers,
  }),
  hotPathRequests: new Counter({
    name: "hot_path_requests_total",
    help: "Requests through the in-process hot path (HOT_PATH_IN_PROCESS), by what answered " +
      "them: memory alone, memory after a Redis call (a lease, or a key not held), or the " +
      "ordinary round trip (tracking not trusted, or Redis unreachable).",
    labelNames: ["answered"] as const,
    registers,
  }),
  passwordHashDuration: new Histogram({
    name: "password_hash_duration_seconds",
    help: "Time from submitting a bcrypt job (hash or verify) to its result, queueing included.",
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16],
    registers,
  }),
};

export type CacheResult = "hit" | "miss" | "error";

/** Counts one order-cache read; returns `value` so call sites stay one expression. */
export function countCacheRead<T>(result: CacheResult, value: T): T {
  apiMetrics.orderCacheRequests.inc({ result });
  return value;
}

// bcrypt jobs submitted and not yet answered, over every password pool in the process.
const passwordQueues = new Set<() => number>();
new Gauge({
  name: "password_hash_queue_depth",
  help: "bcrypt jobs submitted and not yet finished (running or waiting for a thread).",
  registers,
  collect() {
    let depth = 0;
    for (const size of passwordQueues) depth += size();
    this.set(depth);
  },
});

/** Registers a password pool's queue size; returns the function that unregisters it. */
export function watchPasswordQueue(size: () => number): () => void {
  passwordQueues.add(size);
  return () => passwordQueues.delete(size);
}

/** Observes how long a bcrypt job took, from submission to result. */
export function timePasswordJob<T>(job: Promise<T>): Promise<T> {
  const end = apiMetrics.passwordHashDuration.startTimer();
  job.then(() => end(), () => end());
  return job;
}
