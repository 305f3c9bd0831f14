// One relay step: claim due outbox rows, publish them, record the outcome — all in one
// transaction, so a row is marked sent only after the broker acknowledged it, and a crash at
// any point leaves it pending (at-least-once; consumers dedupe by the event-id header).
import type { Producer } from "kafkajs";
import type postgres from "postgres";
import { observePublish, withTraceparent } from "./publish-telemetry.ts";

export interface Backoff {
  baseMs: number;
  maxMs: number;
}

/** How many rows were claimed, and the error if publishing them failed. */
export interface BatchResult {
  claimed: number;
  error?: string;
}

interface OutboxRow {
  id: string;
  topic: string;
  record_key: string;
  record_value: string;
  headers: Record<string, string>;
  traceparent: string | null;
}

export async function publishBatch(
  sql: postgres.Sql,
  producer: Producer,
  batchSize: number,
  backoff: Backoff,
): Promise<BatchResult> {
  return await sql.begin(async (tx) => {
    // SKIP LOCKED: rows another transaction is publishing (an old leader finishing its batch
    // after losing the lock) are left to it instead of being published twice.
    const rows = await tx<OutboxRow[]>`
      select id, topic, record_key, record_value, headers, traceparent
      from outbox
      where sent_at is null and next_attempt_at <= now()
      order by id
      limit ${batchSize}
      for update skip locked`;
    if (rows.length === 0) return { claimed: 0 };
    const ids = rows.map((row) => row.id);
    try {
      await observePublish(
        rows,
        () => producer.sendBatch({ acks: -1, topicMessages: byTopic(rows) }),
      );
    } catch (error) {
      // Never dropped: the row stays pending with exponential backoff, capped, per row.
      // clock_timestamp(), not now(): now() is when the transaction began, before the send.
      const message = errorMessage(error);
      await tx`
        update outbox set
          attempts = attempts + 1,
          last_error = ${message},
          next_attempt_at = clock_timestamp() + make_interval(secs => least(
            ${backoff.maxMs}::float8,
            ${backoff.baseMs}::float8 * power(2, least(attempts, 30))
          ) / 1000)
        where id = any(${ids}::bigint[])`;
      return { claimed: rows.length, error: message };
    }
    await tx`update outbox set sent_at = now() where id = any(${ids}::bigint[])`;
    return { claimed: rows.length };
  });
}

function byTopic(rows: OutboxRow[]) {
  const topics = new Map<
    string,
    { key: string; value: string; headers: Record<string, string> }[]
  >();
  for (const row of rows) {
    const messages = topics.get(row.topic) ?? [];
    // headers is jsonb: postgres.js returns it parsed; values are strings by construction.
    const headers = withTraceparent(stringHeaders(row), row.traceparent);
    messages.push({ key: row.record_key, value: row.record_value, headers });
    topics.set(row.topic, messages);
  }
  return [...topics].map(([topic, messages]) => ({ topic, messages }));
}

function stringHeaders(row: OutboxRow): Record<string, string> {
  const headers = typeof row.headers === "string" ? JSON.parse(row.headers) : row.headers;
  return Object.fromEntries(
    Object.entries(headers as Record<string, unknown>).map(([key, value]) => [key, String(value)]),
  );
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Pending rows and when the earliest becomes due (ms from now, ≤ 0 if already due). */
export async function pendingInfo(
  sql: postgres.Sql,
): Promise<{ pending: number; dueInMs: number | null }> {
  const [row] = await sql<{ pending: number; due_in_ms: number | null }[]>`
    select count(*)::int as pending,
      (extract(epoch from min(next_attempt_at) - now()) * 1000)::float8 as due_in_ms
    from outbox where sent_at is null`;
  return { pending: row.pending, dueInMs: row.due_in_ms };
}
