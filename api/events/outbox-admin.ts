// What an operator needs to see and do about the outbox (`deno task outbox`): counts by state,
// the parked rows with their errors, and sending parked rows back to the relay.
import type postgres from "postgres";

export interface OutboxSummary {
  pending: number;
  /** Pending rows whose next attempt is due now (the rest back off or are claimed). */
  due: number;
  sent: number;
  parked: number;
  /** Age of the oldest pending row, in seconds (null when none). */
  oldestPendingSeconds: number | null;
}

export async function outboxSummary(sql: postgres.Sql): Promise<OutboxSummary> {
  const [row] = await sql<
    {
      pending: number;
      due: number;
      sent: number;
      parked: number;
      oldest: number | null;
    }[]
  >`
    select
      count(*) filter (where state = 'pending')::int as pending,
      count(*) filter (where state = 'pending' and next_attempt_at <= now())::int as due,
      count(*) filter (where state = 'sent')::int as sent,
      count(*) filter (where state = 'parked')::int as parked,
      extract(epoch from now() - min(created_at) filter (where state = 'pending'))::float8
        as oldest
    from outbox`;
  return {
    pending: row.pending,
    due: row.due,
    sent: row.sent,
    parked: row.parked,
    oldestPendingSeconds: row.oldest === null ? null : Math.round(row.oldest),
  };
}

export interface ParkedRow {
  id: string;
  event_id: string;
  topic: string;
  record_key: string;
  attempts: number;
  last_error: string | null;
  created_at: Date;
}

export async function listParked(sql: postgres.Sql, limit = 100): Promise<ParkedRow[]> {
  return await sql<ParkedRow[]>`
    select id::text, event_id, topic, record_key, attempts, last_error, created_at
    from outbox where state = 'parked'
    order by id
    limit ${limit}`;
}

/**
 * Sends parked rows back to the relay with a fresh attempt count: all of them, or those with
 * the given ids (ids of rows that are not parked are ignored). Returns the ids retried.
 */
export async function retryParked(sql: postgres.Sql, ids: string[] | "all"): Promise<string[]> {
  const rows = ids === "all"
    ? await sql<{ id: string }[]>`
        update outbox set state = 'pending', attempts = 0, next_attempt_at = now(),
          claim_token = null
        where state = 'parked'
        returning id::text`
    : await sql<{ id: string }[]>`
        update outbox set state = 'pending', attempts = 0, next_attempt_at = now(),
          claim_token = null
        where state = 'parked' and id = any(${ids}::bigint[])
        returning id::text`;
  // Wake the relay now rather than at its next sweep.
  if (rows.length > 0) await sql`select pg_notify('outbox', ${rows[0].id})`;
  return rows.map((row) => row.id);
}
