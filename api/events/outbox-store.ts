// The outbox table as the relay uses it. Every statement is short and runs on its own (no
// transaction is held open while Kafka is called):
// - claim: due pending rows get this relay's claim token and a lease (next_attempt_at moves
//   forward by leaseMs), so other claimers skip them until the lease runs out;
// - markSent / recordFailure / release: only for rows that still carry our token, so a relay
//   whose lease ran out (and whose rows someone else claimed) changes nothing.
import type postgres from "postgres";

export interface OutboxRow {
  id: string;
  topic: string;
  record_key: string;
  record_value: string;
  headers: Record<string, string>;
  attempts: number;
  /** The creating request's W3C traceparent, sent on as a record header (null: untraced). */
  traceparent: string | null;
}

export interface Backoff {
  baseMs: number;
  maxMs: number;
}

/**
 * The claim statement. The inner select walks outbox_pending_idx (next_attempt_at, id) WHERE
 * state = 'pending' in index order, so its cost is the batch, not the backlog.
 */
export function claimStatement(sql: postgres.Sql, limit: number, leaseMs: number, token: string) {
  return sql`
    update outbox o set
      claim_token = ${token},
      next_attempt_at = now() + make_interval(secs => ${leaseMs}::float8 / 1000)
    from (
      select id from outbox
      where state = 'pending' and next_attempt_at <= now()
      order by next_attempt_at, id
      limit ${limit}
      for update skip locked
    ) due
    where o.id = due.id
    returning o.id, o.topic, o.record_key, o.record_value, o.headers, o.attempts, o.traceparent`;
}

export async function claim(
  sql: postgres.Sql,
  limit: number,
  leaseMs: number,
  token: string,
): Promise<OutboxRow[]> {
  const rows = await claimStatement(sql, limit, leaseMs, token) as unknown as OutboxRow[];
  // Publish in insertion order (ids are ascending within the claim's index walk anyway).
  return [...rows].sort((a, b) => Number(BigInt(a.id) - BigInt(b.id)));
}

export async function markSent(sql: postgres.Sql, ids: string[], token: string): Promise<void> {
  if (ids.length === 0) return;
  await sql`
    update outbox set state = 'sent', sent_at = now(), claim_token = null
    where id = any(${ids}::bigint[]) and claim_token = ${token}`;
}

/**
 * Counts a failed attempt of one row: backs it off exponentially (capped), or parks it once
 * it has failed maxAttempts times. Returns whether it was parked.
 */
export async function recordFailure(
  sql: postgres.Sql,
  id: string,
  token: string,
  error: string,
  backoff: Backoff,
  maxAttempts: number,
): Promise<boolean> {
  const [row] = await sql<{ state: string }[]>`
    update outbox set
      attempts = attempts + 1,
      last_error = ${error.slice(0, 2_000)},
      claim_token = null,
      state = case when attempts + 1 >= ${maxAttempts} then 'parked' else 'pending' end,
      next_attempt_at = clock_timestamp() + make_interval(secs => least(
        ${backoff.maxMs}::float8,
        ${backoff.baseMs}::float8 * power(2, least(attempts, 30))
      ) / 1000)
    where id = ${id} and claim_token = ${token}
    returning state`;
  return row?.state === "parked";
}

/** Gives claimed rows back without counting an attempt (Kafka away, time up, stopping). */
export async function release(
  sql: postgres.Sql,
  ids: string[],
  token: string,
  delayMs: number,
  error?: string,
): Promise<void> {
  if (ids.length === 0) return;
  await sql`
    update outbox set
      claim_token = null,
      last_error = coalesce(${error?.slice(0, 2_000) ?? null}, last_error),
      next_attempt_at = clock_timestamp() + make_interval(secs => ${delayMs}::float8 / 1000)
    where id = any(${ids}::bigint[]) and claim_token = ${token}`;
}

export interface OutboxCounts {
  /** Rows waiting to be published (due, backing off, or claimed). */
  pending: number;
  /** Rows set aside after OUTBOX_MAX_ATTEMPTS failures. */
  parked: number;
  /** When the earliest pending row is due, in ms from now (≤ 0: already due). */
  dueInMs: number | null;
}

export async function outboxCounts(sql: postgres.Sql): Promise<OutboxCounts> {
  const [row] = await sql<{ pending: number; parked: number; due_in_ms: number | null }[]>`
    select
      (select count(*)::int from outbox where state = 'pending') as pending,
      (select count(*)::int from outbox where state = 'parked') as parked,
      (select (extract(epoch from min(next_attempt_at) - now()) * 1000)::float8
        from outbox where state = 'pending') as due_in_ms`;
  return { pending: row.pending, parked: row.parked, dueInMs: row.due_in_ms };
}
