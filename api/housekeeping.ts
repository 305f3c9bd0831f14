// Deletes rows nobody needs any more, so the tables do not grow without bound: published
// outbox rows after a retention period, idempotency keys past their 24 h, refresh tokens past
// their expiry, session revocations once the session's last access token has expired, and the
// worker's processed_events after PROCESSED_EVENTS_RETENTION_DAYS.
// Runs at start-up and then periodically; each run deletes batch after batch (each a short
// statement that walks an index, so locks are never held for long) until nothing expired is
// left, so it keeps up with any write rate. Safe to run from every API process at once
// (deletes are idempotent). Parked and pending outbox rows are never purged.
import type { Sql } from "./db.ts";
import type { Log } from "../common/logger.ts";

export interface Retention {
  outboxHours: number;
  processedEventsDays: number;
}

export interface PurgeOptions {
  /** Rows per delete statement. */
  batch?: number;
  retention?: Partial<Retention>;
  /** Checked between batches: a stopping process does not start another one. */
  stopped?: () => boolean;
}

export type PurgeCounts = Record<
  "outbox" | "idempotencyKeys" | "refreshTokens" | "sessionRevocations" | "processedEvents",
  number
>;

const DEFAULT_RETENTION: Retention = { outboxHours: 24 * 7, processedEventsDays: 14 };

export async function purgeExpired(sql: Sql, opts: PurgeOptions = {}): Promise<PurgeCounts> {
  const batch = opts.batch ?? 5_000;
  const { outboxHours, processedEventsDays } = { ...DEFAULT_RETENTION, ...opts.retention };
  const stopped = opts.stopped ?? (() => false);

  /** Repeats one delete until a batch comes back short: everything expired is gone. */
  async function untilDone(deleteBatch: () => Promise<number>): Promise<number> {
    let total = 0;
    while (!stopped()) {
      const deleted = await deleteBatch();
      total += deleted;
      if (deleted < batch) break;
    }
    return total;
  }

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
  const processedEvents = await untilDone(async () =>
    (await sql`
      delete from processed_events where event_id in (
        select event_id from processed_events
        where processed_at < now() - make_interval(days => ${processedEventsDays})
        order by processed_at
        limit ${batch})`).count
  );
  return { outbox, idempotencyKeys, refreshTokens, sessionRevocations, processedEvents };
}

export interface HousekeepingOptions extends PurgeOptions {
  everyMs?: number;
}

/** Purges now and then every `everyMs` (10 min); returns a stop function that waits for the
 * batch in progress. Runs never overlap. */
export function startHousekeeping(sql: Sql, log: Log, opts: HousekeepingOptions = {}) {
  let stopping = false;
  let current: Promise<void> | null = null;
  const run = async () => {
    try {
      const deleted = await purgeExpired(sql, { ...opts, stopped: () => stopping });
      if (Object.values(deleted).some((n) => n > 0)) log("info", "housekeeping", deleted);
    } catch (error) {
      log("warning", "housekeeping failed; will retry", { error: String(error) });
    }
  };
  const kick = () => {
    if (!stopping && current === null) current = run().finally(() => (current = null));
  };
  kick();
  const timer = setInterval(kick, opts.everyMs ?? 10 * 60_000);
  return async () => {
    stopping = true;
    clearInterval(timer);
    await current;
  };
}
