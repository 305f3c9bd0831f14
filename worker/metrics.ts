// The worker's Prometheus metrics (prom-client), served at GET /metrics on the health port.
import { ENVIRONMENT_DB_ERRORS } from "../common/db-errors.ts";
import { EVENTS } from "../common/events/registry.ts";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

export const registry = new Registry();
const registers = [registry];

export type RecordResult = "processed" | "duplicate" | "retried" | "dlq";

export const workerMetrics = {
  records: new Counter({
    name: "worker_records_total",
    help: "Records of every event topic by result: processed, duplicate (already done), retried " +
      "(one failed attempt, tried again), dlq (sent to the topic's DLQ).",
    labelNames: ["result"] as const,
    registers,
  }),
  events: new Counter({
    name: "worker_events_total",
    help: "Records by event type (the registry's, or `unknown` for a record whose type is " +
      "not registered) and result: processed, duplicate, dlq.",
    labelNames: ["event_type", "result"] as const,
    registers,
  }),
  duration: new Histogram({
    name: "worker_record_duration_seconds",
    help: "Time to handle one record, retries and dead-lettering included.",
    buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 2.5, 5, 10, 30],
    registers,
  }),
  lag: new Gauge({
    name: "worker_consumer_lag",
    help: "Records on the partition after the last one this worker finished (high " +
      "watermark of the latest fetch minus the next offset to commit).",
    labelNames: ["topic", "partition"] as const,
    registers,
  }),
  paused: new Gauge({
    name: "worker_paused",
    help: "1 while the worker is paused because the database cannot serve it, by reason: " +
      "outage, or an environment error of common/db-errors.ts (authentication, " +
      "missing-database, permission, missing-table, missing-column). Records wait meanwhile.",
    labelNames: ["reason"] as const,
    registers,
  }),
  inFlight: new Gauge({
    name: "worker_in_flight",
    help: "Records being handled right now.",
    registers,
  }),
};

// Every result is exported from the start (at 0), so rate() and alerts work before the first.
for (const result of ["processed", "duplicate", "retried", "dlq"] as const) {
  workerMetrics.records.inc({ result }, 0);
}

// Every registered type too: a new event type is on the dashboard before its first record.
for (const { type } of EVENTS) {
  for (const result of ["processed", "duplicate", "dlq"] as const) {
    workerMetrics.events.inc({ event_type: type, result }, 0);
  }
}

// Every pause reason is exported from the start (at 0), so an alert on max(worker_paused) sees a
// series before the first pause.
for (const reason of ["outage", ...ENVIRONMENT_DB_ERRORS.map((e) => e.reason)]) {
  workerMetrics.paused.set({ reason }, 0);
}

export function startDefaultMetrics() {
  collectDefaultMetrics({ register: registry });
}

/** Times and counts one record's handling by its outcome. */
export async function observeRecord<T extends { kind: string; eventType: string | null }>(
  handle: () => Promise<T>,
): Promise<T> {
  const end = workerMetrics.duration.startTimer();
  workerMetrics.inFlight.inc();
  try {
    const outcome = await handle();
    const result = outcome.kind === "dead-letter" ? "dlq" : outcome.kind as RecordResult;
    workerMetrics.records.inc({ result });
    workerMetrics.events.inc({ event_type: outcome.eventType ?? "unknown", result });
    return outcome;
  } finally {
    workerMetrics.inFlight.dec();
    end();
  }
}

/**
 * Lag of a partition: records from the first one not yet finished (`nextOffset`, the offset
 * the group will commit next) up to the high watermark of the latest fetch.
 */
export function recordLag(
  topic: string,
  partition: number,
  highWatermark: string,
  nextOffset: string,
) {
  workerMetrics.lag.set(
    { topic, partition: String(partition) },
    Math.max(0, Number(highWatermark) - Number(nextOffset)),
  );
}
