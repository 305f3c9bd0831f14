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
import type { Producer, RecordMetadata } from "kafkajs";
import type postgres from "postgres";
import { isTransientDbError } from "../../common/db-errors.ts";
import { isRecordError } from "./kafka-errors.ts";
import {
  type Backoff,
  claim,
  markSent,
  type OutboxRow,
  recordFailure,
  release,
} from "./outbox-store.ts";
import { observePublish, withTraceparent } from "./publish-telemetry.ts";

export type { Backoff };

export type SendBatch = Pick<Producer, "sendBatch">;

/** The relay's producer, as a batch needs it. */
export interface Sender {
  /** The connected producer, or null while Kafka is unreachable. */
  producer(): Promise<SendBatch | null>;
  /**
   * A fresh producer after a failed send (null if Kafka is unreachable): the old one's
   * sequence numbers may be out of step with what the broker appended.
   */
  renew(error: unknown): Promise<SendBatch | null>;
  /** The partition the producer placed this row's record on (`topic:partition`), if it did. */
  partitionOf(row: OutboxRow): string | undefined;
}

export interface PublishOptions {
  batchSize: number;
  /** How long a claim keeps other claimers off the rows. */
  leaseMs: number;
  /** After this long, rows not yet tried one by one are released for the next batch. */
  maxBatchMs: number;
  /** A row that failed this many times on its own is parked. */
  maxAttempts: number;
  backoff: Backoff;
  /** Released rows wait this long when Kafka was unreachable. */
  unavailableDelayMs: number;
}

export interface BatchResult {
  claimed: number;
  sent: number;
  /** Rows that failed on their own (attempt counted), of which `parked` were parked. */
  failed: number;
  parked: number;
  /** Rows given back uncounted: Kafka unreachable, or the batch ran out of time. */
  released: number;
  /** Kafka looked unreachable: the relay should back off and reconnect. */
  unavailable: boolean;
  /** The leadership check failed: nothing was published, the relay should step down. */
  lostLock?: boolean;
  error?: string;
}

/** Consecutive broker-side failures (not the record's fault) before giving the rest back. */
const MAX_BROKER_FAILURES = 2;

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
  const deadline = Date.now() + opts.maxBatchMs;
  const sent: string[] = [];
  const delivered = new Set<string>(); // partitions that took a record in this batch
  const arrived = (metadata: RecordMetadata[] | undefined) => {
    for (const m of metadata ?? []) delivered.add(`${m.topicName}:${m.partition}`);
  };
  const failures: { row: OutboxRow; error: unknown }[] = [];
  const untried: OutboxRow[] = [];
  let producer = await sender.producer();

  const fresh = rows.filter((row) => row.attempts === 0);
  const oneByOne = rows.filter((row) => row.attempts > 0);
  if (producer && fresh.length > 0) {
    try {
      const batch = producer;
      arrived(
        await observePublish(
          fresh,
          () => batch.sendBatch({ acks: -1, topicMessages: byTopic(fresh) }),
        ),
      );
      sent.push(...fresh.map((row) => row.id));
    } catch (error) {
      if (fresh.length === 1) failures.push({ row: fresh[0], error });
      else oneByOne.unshift(...fresh);
      // Part of a multi-partition batch may have been appended: start a new sequence.
      producer = await sender.renew(error);
    }
  } else untried.push(...fresh);

  let brokerFailures = 0;
  for (const row of oneByOne) {
    if (!producer || Date.now() > deadline || brokerFailures >= MAX_BROKER_FAILURES) {
      untried.push(row);
      continue;
    }
    try {
      const single = producer;
      arrived(
        await observePublish(
          [row],
          () => single.sendBatch({ acks: -1, topicMessages: byTopic([row]) }),
        ),
      );
      sent.push(row.id);
      brokerFailures = 0;
    } catch (error) {
      failures.push({ row, error });
      if (!isRecordError(error)) {
        brokerFailures++;
        producer = await sender.renew(error);
      }
    }
  }

  // Kafka has these rows: a database blip now would have them published again once their
  // lease ends, so a transient error is worth a few quick retries.
  await withTransientRetries(() => markSent(sql, sent, token));
  result.sent = sent.length;
  // A failure counts against the row when it is its own (see the top of this file); otherwise
  // the row goes back uncounted, after a delay, and with nothing through the broker is away.
  let lastError: string | undefined;
  const heldBack: OutboxRow[] = [];
  for (const { row, error } of failures) {
    lastError = errorMessage(error);
    if (isRowsOwnFailure(error, sender.partitionOf(row), delivered)) {
      result.failed++;
      const parked = await recordFailure(
        sql,
        row.id,
        token,
        lastError,
        opts.backoff,
        opts.maxAttempts,
      );
      if (parked) result.parked++;
    } else if (sent.length > 0) heldBack.push(row);
    else {
      untried.push(row);
      result.unavailable = true;
    }
  }
  if (!producer) result.unavailable = true;
  await release(sql, heldBack.map((row) => row.id), token, opts.unavailableDelayMs, lastError);
  await release(
    sql,
    untried.map((row) => row.id),
    token,
    result.unavailable ? opts.unavailableDelayMs : 0,
    result.unavailable ? lastError ?? "Kafka unreachable" : undefined,
  );
  result.released = untried.length + heldBack.length;
  if (lastError !== undefined) result.error = lastError;
  return result;
}

/**
 * Whether a failed send counts against the row: the record itself was refused, or its partition
 * took other records in the same batch (so the partition was there and this row was not let in).
 */
export function isRowsOwnFailure(
  error: unknown,
  partition: string | undefined,
  delivered: ReadonlySet<string>,
): boolean {
  return isRecordError(error) || (partition !== undefined && delivered.has(partition));
}

async function withTransientRetries(step: () => Promise<void>, attempts = 4): Promise<void> {
  for (let attempt = 1;; attempt++) {
    try {
      return await step();
    } catch (error) {
      if (attempt >= attempts || !isTransientDbError(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
    }
  }
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
