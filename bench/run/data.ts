// The bench's rows in PostgreSQL: waiting for the relay to publish them, and deleting them.
import { round, sleep } from "../lib/proc.ts";
import { emailPrefix, log, settings, sql } from "./config.ts";

/** Waits (bounded) until the relay has published the outbox rows of the given user's orders. */
export async function drainOutbox(userId: string, maxS: number) {
  const pending = async () =>
    (await sql<{ n: number }[]>`
      select count(*)::int as n from outbox ob join orders o on ob.record_key = o.id::text
      where o.creator_id = ${userId} and ob.sent_at is null`)[0].n;
  const started = performance.now();
  const initial = await pending();
  let left = initial;
  let lastProgress = performance.now();
  while (left > 0 && performance.now() - started < maxS * 1000) {
    await sleep(500);
    const now = await pending();
    if (now < left) lastProgress = performance.now();
    left = now;
    if (performance.now() - lastProgress > 5_000) break; // no relay publishing
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    pendingAfterLoad: initial,
    pendingAtEnd: left,
    seconds: round(seconds, 1),
    publishedPerSecond: initial > left ? round((initial - left) / seconds) : 0,
  };
}

export async function cleanup() {
  if (settings.keepData) return;
  try {
    // Unsent events of bench orders would otherwise wait for the next relay that runs.
    await sql`
      delete from outbox ob using orders o, users u
      where ob.record_key = o.id::text and o.creator_id = u.id and ob.sent_at is null
        and u.email like ${emailPrefix + "%"}`;
    await sql`delete from users where email like ${emailPrefix + "%"}`;
  } catch (error) {
    log(`cleanup failed: ${error instanceof Error ? error.message : error}`);
  }
}
