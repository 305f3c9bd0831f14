// Deletes the API's rows nobody needs any more, so the tables do not grow without bound:
// published outbox rows after a retention period, idempotency keys past their 24 h, refresh
// tokens past their expiry and session revocations once the session's last access token has
// expired (the worker purges its own processed_events: worker/housekeeping.ts). Batch after
// batch until nothing expired is left (common/housekeeping.ts). Safe to run from every API
// process at once (deletes are idempotent). Parked and pending outbox rows are never purged.
import type { Sql } from "./platform/db.ts";
import type { Log } from "../common/logger.ts";
import { deleteInBatches, startPurging } from "../common/housekeeping.ts";

export interface PurgeOptions {
  /** Rows per delete statement. */
  batch?: number;
  retention?: { outboxHours?: number };
  /** Checked between batches: a stopping process does not start another one. */
  stopped?: () => boolean;
}

export type PurgeCounts = Record<
  "outbox" | "idempotencyKeys" | "refreshTokens" | "sessionRevocations",
  number
>;

export async function purgeExpired(sql: Sql, opts: PurgeOptions = {}): Promise<PurgeCounts> {
  const batch = opts.batch ?? 5_000;
  const outboxHours = opts.retention?.outboxHours ?? 24 * 7;
  const untilDone = (deleteBatch: () => Promise<number>) =>
    deleteInBatches(deleteBatch, { batch, stopped: opts.stopped ?? (() => false) });

  const outbox = await untilDone(async () =>
    (await sql`
      delete from outbox where id in (
        select id from outbox
        where state = 'sent' and sent_at < now() - make_interval(hours => ${outboxHours})
        order by sent_at
        limit ${batch})`).count
  );
  const idempotencyKeys = await untilDone(async () =>
    (await sql`
      delete from idempotency_keys where (user_id, key) in (
        select user_id, key from idempotency_keys
        where created_at < now() - interval '24 hours'
        order by created_at
        limit ${batch})`).count
  );
  const refreshTokens = await untilDone(async () =>
    (await sql`
      delete from refresh_tokens where jti in (
        select jti from refresh_tokens
        where expires_at < now() - interval '1 hour'
        order by expires_at
        limit ${batch})`).count
  );
  const sessionRevocations = await untilDone(async () =>
    (await sql`
      delete from session_revocations where sid in (
        select sid from session_revocations
        where expires_at < now()
        order by expires_at
        limit ${batch})`).count
  );
  return { outbox, idempotencyKeys, refreshTokens, sessionRevocations };
}

export interface HousekeepingOptions extends PurgeOptions {
  everyMs?: number;
}

/** Purges now and then every `everyMs` (10 min); returns a stop function that waits for the
 * batch in progress. Runs never overlap. */
export function startHousekeeping(sql: Sql, log: Log, opts: HousekeepingOptions = {}) {
  return startPurging(
    (stopped) => purgeExpired(sql, { ...opts, stopped }),
    log,
    opts.everyMs ?? 10 * 60_000,
  );
}
