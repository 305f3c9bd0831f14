// Handles one record of a registered topic: validation against the event registry
// (common/events/registry.ts), then the handler of its type (worker/handlers.ts) and the effect.
//
// The effect is the row in processed_events (event id primary key): it is written exactly once
// per event, however often the record is delivered. No connection or transaction is held
// during the (simulated) downstream work: a real downstream call cannot take part in a
// PostgreSQL transaction anyway, so holding one open around it would only pin a connection per
// record in flight (the pool would have to grow with WORKER_CONCURRENCY) and risk the server's
// idle-in-transaction timeout. Instead: skip events already recorded, do the work, then record
// the event with ON CONFLICT DO NOTHING. Two concurrent deliveries of one event (a rebalance)
// may both do the work, but only one records it, so the effect is still exactly once.
//
// Database errors (common/db-errors.ts): an outage (the server is away, busy, contended) and an
// environment error (a missing role, grant, database, table or column: the deployment is wrong,
// not the record) pause the worker (worker/pause.ts) and are retried with backoff for as long
// as they last, never dead-lettered. Only errors of the statement itself are retried
// `maxRetries` times, then dead-lettered.
import type postgres from "postgres";
import { classifyDbError, type DbErrorKind } from "../common/db-errors.ts";
import { eventNamed, parseRecord } from "../common/events/registry.ts";
import { decodeHeaders } from "../common/events/headers.ts";
import type { LogFn } from "../common/events/kafka-log.ts";
import type { DeadLetterReason } from "../common/events/dead-letter.ts";
import { workerMetrics } from "./metrics.ts";
import { createPause, type Pause } from "./pause.ts";
import { orderIdOf } from "./handlers.ts";

export interface InputRecord {
  topic: string;
  partition: number;
  offset: string;
  value: Uint8Array | null;
  headers?: Record<string, unknown>;
}

/** `eventType` is the registered type, or null for a record whose type is not known. */
export type Outcome =
  | { kind: "processed" | "duplicate"; eventType: string; eventId: string; orderId: string }
  | { kind: "dead-letter"; eventType: string | null; reason: DeadLetterReason; error: string };

/** What the consumer tells a record that is waiting out a database outage. */
export interface HandleContext {
  /** Keeps the group membership alive; false when the record should be given up for now
   * (shutdown, rebalance): it is then left unresolved and delivered again later. */
  stillWanted(): Promise<boolean>;
}

/** Thrown when a record waiting out an outage is given up (see HandleContext). */
export class Interrupted extends Error {
  override name = "Interrupted";
}

export interface HandlerDeps {
  sql: postgres.Sql;
  simulatedWorkMs: number;
  maxRetries: number;
  log: LogFn;
  /** Shared by every record of the process: one record's outage pauses them all (default:
   * one for this handler). */
  pause?: Pause;
  /** First retry delay; doubled per attempt, capped at maxRetryDelayMs (5 s). */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const always: HandleContext = { stillWanted: () => Promise.resolve(true) };
/** Waits `ms` in short steps, asking `stillWanted` after each, so a worker that is stopping
 * does not wait out a long backoff first. False when the record should be given up. */
async function backOff(ms: number, ctx: HandleContext): Promise<boolean> {
  for (let left = ms; left > 0; left -= 250) {
    await sleep(Math.min(250, left));
    if (!(await ctx.stillWanted())) return false;
  }
  return true;
}

const RETRYING: Record<DbErrorKind, string> = {
  outage: "database unavailable; retrying",
  environment: "database misconfigured; retrying",
  statement: "processing failed; retrying",
};

export function createHandler(deps: HandlerDeps) {
  const { sql, log, maxRetries } = deps;
  const pause = deps.pause ?? createPause({ log });
  const retryDelayMs = deps.retryDelayMs ?? 200;
  const maxRetryDelayMs = deps.maxRetryDelayMs ?? 5_000;

  /**
   * Runs a database step until it succeeds: outage and environment errors for as long as they
   * last (pausing the worker), the statement's own errors up to maxRetries times (then an
   * error: dead-letter the record). While the worker is paused, waits before the first try.
   */
  async function withRetries<T>(
    step: () => Promise<T>,
    eventId: string,
    ctx: HandleContext,
  ): Promise<{ value: T } | { error: string }> {
    if (!(await pause.awaitTurn(() => ctx.stillWanted()))) {
      throw new Interrupted("given up while the worker is paused");
    }
    let failures = 0; // the statement's own failures: a pause does not use up the retries
    let endProbe: (() => void) | undefined;
    try {
      for (let attempt = 0;; attempt++) {
        try {
          const value = await step();
          pause.succeeded();
          return { value };
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          const kind = classifyDbError(error);
          if (kind === "statement") {
            if (++failures > maxRetries) return { error: message };
          } else {
            pause.failed(kind, error);
            endProbe ??= pause.probe();
          }
          log("warning", RETRYING[kind], {
            eventId,
            attempt,
            error: message,
            code: (error as { code?: string }).code,
          });
          workerMetrics.records.inc({ result: "retried" });
          const delay = Math.min(maxRetryDelayMs, retryDelayMs * 2 ** Math.min(attempt, 20));
          if (!(await backOff(delay, ctx))) throw new Interrupted(message);
        }
      }
    } finally {
      endProbe?.();
    }
  }

  return async function handle(record: InputRecord, ctx = always): Promise<Outcome> {
    const parsed = parseRecord(record);
    if (!parsed.ok) {
      const { reason, error } = parsed;
      return { kind: "dead-letter", eventType: knownType(record), reason, error };
    }
    const { eventId, event } = parsed;
    const eventType = event.type;
    const orderId = orderIdOf(event, parsed.value);
    const exhausted = (error: string): Outcome => ({
      kind: "dead-letter",
      eventType,
      reason: "retries-exhausted",
      error,
    });

    if (deps.simulatedWorkMs > 0) {
      // The look-up only spares a redelivered event the downstream work; with no work to
      // spare, the insert below tells a duplicate apart by itself (one round trip fewer).
      const seen = await withRetries(
        async () =>
          (await sql`select 1 from processed_events where event_id = ${eventId}`).length > 0,
        eventId,
        ctx,
      );
      if ("error" in seen) return exhausted(seen.error);
      if (seen.value) return { kind: "duplicate", eventType, eventId, orderId };
      // Stand-in for the downstream call, done with no connection held.
      await sleep(deps.simulatedWorkMs);
    }

    const inserted = await withRetries(
      async () =>
        (await sql`
          insert into processed_events (event_id, order_id, topic, kafka_partition, kafka_offset)
          values (${eventId}, ${orderId}, ${record.topic}, ${record.partition}, ${record.offset})
          on conflict (event_id) do nothing
          returning event_id`).length > 0,
      eventId,
      ctx,
    );
    if ("error" in inserted) return exhausted(inserted.error);
    return { kind: inserted.value ? "processed" : "duplicate", eventType, eventId, orderId };
  };
}

export type Handler = ReturnType<typeof createHandler>;

/** The event type of a record that failed validation, if its header names a registered one. */
function knownType(record: InputRecord): string | null {
  const type = decodeHeaders(record.headers)["event-type"];
  return type !== undefined && eventNamed(type) ? type : null;
}
