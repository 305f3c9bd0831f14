// The worker purges its own processed_events after PROCESSED_EVENTS_RETENTION_DAYS, batch
// after batch (common/housekeeping.ts), at start-up and then every 10 minutes. Keep the
// retention longer than the topics' retention: an event redelivered after its row is gone
// would take effect again. Safe from every worker replica at once (deletes are idempotent).
import type postgres from "postgres";
import type { Log } from "../common/logger.ts";
import { deleteInBatches, startPurging } from "../common/housekeeping.ts";

export interface ProcessedEventsPurge {
  retentionDays: number;
  /** Rows per delete statement (5,000). */
  batch?: number;
  stopped?: () => boolean;
}

export function purgeProcessedEvents(sql: postgres.Sql, opts: ProcessedEventsPurge) {
  const batch = opts.batch ?? 5_000;
  return deleteInBatches(async () =>
    (await sql`
      delete from processed_events where event_id in (
        select event_id from processed_events
        where processed_at < now() - make_interval(days => ${opts.retentionDays})
        order by processed_at
        limit ${batch})`).count, { batch, stopped: opts.stopped ?? (() => false) });
}

export function startWorkerHousekeeping(
  sql: postgres.Sql,
  log: Log,
  opts: ProcessedEventsPurge & { everyMs?: number },
) {
  return startPurging(
    async (stopped) => ({ processedEvents: await purgeProcessedEvents(sql, { ...opts, stopped }) }),
    log,
    opts.everyMs ?? 10 * 60_000,
  );
}
