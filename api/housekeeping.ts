// Deletes rows nobody needs any more, so the tables do not grow without bound: published
// outbox rows after a retention period, idempotency keys past their 24 h, and refresh tokens
// past their expiry. Batched, so one run never holds locks for long; safe to run from every
// API process at once (deletes are idempotent).
import type { Sql } from "./db.ts";
import type { Log } from "../common/logger.ts";

const BATCH = 5_000;

export async function purgeExpired(sql: Sql, outboxRetentionHours = 24 * 7) {
  const outbox = await sql`
    delete from outbox where id in (
      select id from outbox
      where sent_at < now() - make_interval(hours => ${outboxRetentionHours})
      limit ${BATCH})`;
  const keys = await sql`
    delete from idempotency_keys where (user_id, key) in (
      select user_id, key from idempotency_keys
      where created_at < now() - interval '24 hours'
      limit ${BATCH})`;
  const tokens = await sql`
    delete from refresh_tokens where jti in (
      select jti from refresh_tokens where expires_at < now() - interval '1 hour' limit ${BATCH})`;
  return { outbox: outbox.count, idempotencyKeys: keys.count, refreshTokens: tokens.count };
}

export function startHousekeeping(sql: Sql, log: Log, everyMs = 10 * 60_000) {
  const run = async () => {
    try {
      const deleted = await purgeExpired(sql);
      if (deleted.outbox + deleted.idempotencyKeys + deleted.refreshTokens > 0) {
        log("info", "housekeeping", deleted);
      }
    } catch (error) {
      log("warning", "housekeeping failed; will retry", { error: String(error) });
    }
  };
  const timer = setInterval(run, everyMs);
  return () => clearInterval(timer);
}
