// Handles one `new_order` record: validation with the shared contract, then the effect.
// The effect is recorded in processed_events (event id primary key) in the same transaction
// as the (simulated) downstream work, so a redelivered record changes nothing and a failed
// attempt leaves no trace. Returns what the consumer should do; throws only when the
// database stays unreachable (see below).
import postgres from "postgres";
import { OrderCreatedValue, parseOrderCreatedHeaders } from "../common/events/order-created.ts";
import type { LogFn } from "../common/events/kafka-log.ts";
import { workerMetrics } from "./metrics.ts";

export interface InputRecord {
  topic: string;
  partition: number;
  offset: string;
  value: Uint8Array | null;
  headers?: Record<string, unknown>;
}

export type Outcome =
  | { kind: "processed" | "duplicate"; eventId: string; orderId: string }
  | { kind: "dead-letter"; reason: DeadLetterReason; error: string };

export type DeadLetterReason =
  | "invalid-headers"
  | "invalid-json"
  | "invalid-schema"
  | "retries-exhausted";

export interface HandlerDeps {
  sql: postgres.Sql;
  simulatedWorkMs: number;
  maxRetries: number;
  log: LogFn;
  /** First retry delay; doubled per attempt (capped at 5 s). */
  retryDelayMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createHandler(deps: HandlerDeps) {
  const { sql, log, maxRetries } = deps;
  const retryDelayMs = deps.retryDelayMs ?? 200;

  async function effect(record: InputRecord, eventId: string, orderId: string) {
    return await sql.begin(async (tx) => {
      const inserted = await tx`
        insert into processed_events (event_id, order_id, topic, kafka_partition, kafka_offset)
        values (${eventId}, ${orderId}, ${record.topic}, ${record.partition}, ${record.offset})
        on conflict (event_id) do nothing
        returning event_id`;
      // Already done by an earlier delivery (or a concurrent one, which holds the row lock
      // until it commits): nothing to do.
      if (inserted.length === 0) return "duplicate" as const;
      // Stand-in for the downstream call; if it threw, the insert above would roll back.
      if (deps.simulatedWorkMs > 0) await sleep(deps.simulatedWorkMs);
      return "processed" as const;
    });
  }

  return async function handle(record: InputRecord): Promise<Outcome> {
    const headers = parseOrderCreatedHeaders(record.headers);
    if (!headers.success) {
      return { kind: "dead-letter", reason: "invalid-headers", error: headers.error.message };
    }
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(record.value ?? new Uint8Array()));
    } catch (error) {
      return { kind: "dead-letter", reason: "invalid-json", error: String(error) };
    }
    const order = OrderCreatedValue.safeParse(json);
    if (!order.success) {
      return { kind: "dead-letter", reason: "invalid-schema", error: order.error.message };
    }
    const eventId = headers.data["event-id"];
    const orderId = order.data.id;
    for (let attempt = 0;; attempt++) {
      try {
        const kind = await effect(record, eventId, orderId);
        return { kind, eventId, orderId };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (attempt >= maxRetries) {
          // An outage is not the record's fault: rather than dead-letter every record while
          // PostgreSQL is away, leave it unprocessed (and its offset uncommitted) for later.
          if (!(error instanceof postgres.PostgresError)) throw error;
          return { kind: "dead-letter", reason: "retries-exhausted", error: message };
        }
        log("warning", "processing failed; retrying", { eventId, attempt, error: message });
        workerMetrics.records.inc({ result: "retried" });
        await sleep(Math.min(5_000, retryDelayMs * 2 ** attempt));
      }
    }
  };
}

export type Handler = ReturnType<typeof createHandler>;
