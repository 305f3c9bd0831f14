// One relay batch: claim due rows (a short statement with a lease, see outbox-store.ts),
// publish them with no transaction open, then record each row's outcome. A row is marked sent
// only after the broker acknowledged it; a crash at any point leaves it pending (or claimed
// until its lease ends), so delivery is at least once and consumers dedupe by event-id.
//
// One bad row never holds back the others: rows that have failed before are sent one by one,
// after the batch of the others; and when a batch fails, its rows are retried one by one. A
// row that fails on its own counts an attempt and is parked after maxAttempts. A failure is the
// row's own when the error says so (the record is refused), or when rows of the same partition
// got through in the same batch while this one did not. Otherwise the broker, or the row's
// partition, is away (a leaderless partition while the others serve is a partial outage), and
// nothing is counted: an outage, whole or partial, never parks rows.
//
// The steps live beside this file: claiming here, sending in outbox-send.ts, recording each
// row's outcome (sent, failed, parked or given back) in outbox-settle.ts.
import type postgres from "postgres";
import type { BatchResult, PublishOptions, Sender } from "./outbox-batch.ts";
import { claim, release } from "./outbox-store.ts";
import { sendRows } from "./outbox-send.ts";
import { settleBatch } from "./outbox-settle.ts";

export type { Backoff, BatchResult, PublishOptions, SendBatch, Sender } from "./outbox-batch.ts";

/**
 * Claims, publishes and records one batch. `stillLeader`, when given, is the relay's leadership
 * check: it runs alongside the claim (no extra round trip), and if it fails the claimed rows
 * are given straight back unpublished (`lostLock`).
 */
export async function publishBatch(
  sql: postgres.Sql,
  sender: Sender,
  opts: PublishOptions,
  stillLeader: Promise<boolean> = Promise.resolve(true),
): Promise<BatchResult> {
  const token = crypto.randomUUID();
  const [claimed, leading] = await Promise.allSettled([
    claim(sql, opts.batchSize, opts.leaseMs, token),
    stillLeader,
  ]);
  if (claimed.status === "rejected") throw claimed.reason;
  const rows = claimed.value;
  const result: BatchResult = {
    claimed: rows.length,
    sent: 0,
    failed: 0,
    parked: 0,
    released: 0,
    unavailable: false,
  };
  if (leading.status === "rejected" || !leading.value) {
    // Nothing was sent: give the rows back at once (if this fails, their lease runs out), and
    // wake the relays, since the leader may have looked while they were claimed here.
    await release(sql, rows.map((row) => row.id), token, 0);
    if (rows.length > 0) await sql`select pg_notify('outbox', 'released')`;
    if (leading.status === "rejected") throw leading.reason;
    return { ...result, released: rows.length, lostLock: true };
  }
  if (rows.length === 0) return result;
  const outcome = await sendRows(rows, sender, Date.now() + opts.maxBatchMs);
  return await settleBatch(sql, sender, opts, token, outcome, result);
}
