// The transactional-outbox relay (SPEC §4), run inside every API process. Orders and their
// outbox rows are committed together; this relay publishes the rows to Kafka and marks them
// sent. It is woken by NOTIFY on channel `outbox` (one per insert statement, payload unused) and
// sweeps periodically as a safety net for missed notifications and rows whose backoff ended.
// Only the holder of an advisory lock publishes, so several API processes share one database
// without competing; the others retry the lock every sweep and take over if the leader dies.
// The leader re-checks its lock with every batch's claim, and a batch's duration is bounded,
// so a relay that lost the lock stops publishing within about one batch.
import type postgres from "postgres";
import type { LogFn } from "../../common/events/kafka-log.ts";
import { createLeaderLock } from "./leader-lock.ts";
import {
  type Backoff,
  errorMessage,
  publishBatch,
  type PublishOptions,
  type Sender,
} from "./outbox-publish.ts";
import { outboxCounts } from "./outbox-store.ts";
import { createRelayProducer } from "./relay-producer.ts";
import { ensureTopics } from "./topics.ts";
import { createWaker } from "./waker.ts";

export interface OutboxRelayOptions {
  sql: postgres.Sql;
  brokers: string[];
  clientId: string;
  sweepIntervalMs: number;
  batchSize: number;
  log: LogFn;
  /** A row that failed this many times on its own is parked (default 10). */
  maxAttempts?: number;
  /** Advisory-lock key shared by all relays on one database. */
  lockKey?: number;
  /** Per-row retry delay after a failed publish: baseMs × 2^attempts, capped at maxMs. */
  backoff?: Partial<Backoff>;
}

export interface OutboxRelayStatus {
  producer: "connected" | "disconnected";
  leader: boolean;
  /** Unsent rows (due, backing off or claimed); known by the leader only. */
  pending?: number;
  /** Rows parked after too many failures; known by the leader only. */
  parked?: number;
  /** Rows this relay has published since it started. */
  published: number;
}

export interface OutboxRelay {
  start(): Promise<void>;
  stop(): Promise<void>;
  status(): OutboxRelayStatus;
}

export const OUTBOX_RELAY_LOCK_KEY = 1_869_968_482; // "outb" in ASCII, below 2^31
const RECONNECT_MS = 1_000; // how often a relay without a producer retries Kafka
const CONTENDED_MS = 200; // due rows claimed by another relay: look again soon
// A batch tries rows one by one for at most this long, then gives the rest back; the lease
// is far longer, so a claim never expires while its relay is still working on it.
const MAX_BATCH_MS = 5_000;
const LEASE_MS = 60_000;
const COUNT_EVERY_MS = 1_000; // see nextWait()

export function createOutboxRelay(opts: OutboxRelayOptions): OutboxRelay {
  const { sql, log, batchSize, sweepIntervalMs } = opts;
  const publish: PublishOptions = {
    batchSize,
    leaseMs: LEASE_MS,
    maxBatchMs: MAX_BATCH_MS,
    maxAttempts: opts.maxAttempts ?? 10,
    backoff: { baseMs: 500, maxMs: 30_000, ...opts.backoff },
    unavailableDelayMs: RECONNECT_MS,
  };
  const lock = createLeaderLock(sql, opts.lockKey ?? OUTBOX_RELAY_LOCK_KEY);
  const kafka = createRelayProducer(opts);
  const sender: Sender = {
    producer: () => kafka.ensure(),
    renew: (e) => kafka.renew(e),
    partitionOf: (row) => kafka.partitionOf(row.topic, row.record_key),
  };
  const wake = createWaker();
  let leader = false;
  let counts: { pending: number; parked: number } | undefined;
  let published = 0;
  let running = false;
  let loop: Promise<void> | null = null;
  let listener: { unlisten(): Promise<void> } | null = null;

  let lostAt = -Infinity; // when this relay last lost the lock

  function setLeader(value: boolean) {
    if (leader && !value) lostAt = Date.now();
    if (value !== leader) {
      log("info", value ? "outbox relay: became leader" : "outbox relay: lost leadership");
    }
    leader = value;
    if (!value) counts = undefined;
  }

  /** Publishes due rows until none are left; returns how long to sleep afterwards. */
  async function drain(): Promise<number> {
    let troubled = false; // rows failed or were given back: their due times changed
    while (running) {
      // Leadership is re-checked for every batch, alongside its claim.
      const result = await publishBatch(sql, sender, publish, lock.verify());
      if (result.lostLock) {
        setLeader(false);
        return CONTENDED_MS;
      }
      published += result.sent;
      if (result.failed > 0 || result.released > 0) troubled = true;
      if (result.sent > 0) kafka.markOk();
      if (result.failed > 0) {
        log("warning", "outbox relay: rows failed on their own; they will be retried", {
          failed: result.failed,
          parked: result.parked,
          error: result.error,
        });
      }
      if (result.parked > 0) {
        log("error", "outbox relay: rows parked; see `deno task outbox`", {
          parked: result.parked,
        });
      }
      if (result.unavailable) {
        log("warning", "outbox relay: Kafka unreachable, rows will be retried", {
          rows: result.released,
          error: result.error,
        });
        await kafka.drop(result.error);
        break;
      }
      log("debug", "outbox relay: batch", { claimed: result.claimed, sent: result.sent });
      if (result.claimed < batchSize) break;
    }
    return await nextWait(troubled);
  }

  let countedAt = -Infinity;
  let nextDueAt: number | null = null; // earliest backing-off row, as of the last count
  let contended = false; // the last count found due rows the drain had not claimed
  /**
   * How long to sleep after a drain. New rows come with a NOTIFY, so the table is counted
   * only when due times may have changed (rows failed or were given back, or a known due time
   * has passed) and otherwise at most once a second: under steady load a count per batch was
   * a tenth of each wake-up's time.
   */
  async function nextWait(troubled: boolean): Promise<number> {
    const now = Date.now();
    const due = nextDueAt !== null && nextDueAt <= now;
    if (troubled || due || contended || now - countedAt >= COUNT_EVERY_MS) {
      const info = await outboxCounts(sql);
      countedAt = Date.now();
      counts = { pending: info.pending, parked: info.parked };
      // Due rows this drain did not get: locked by someone else (look again soon, and count
      // again then, until they are gone), unless a NOTIFY came during the drain. Then they are
      // new rows, and the wake-up it left drains them at once; taking them for contention made
      // a busy relay count after every drain of a steady stream.
      const dueNow = info.dueInMs !== null && info.dueInMs <= 0;
      contended = dueNow && !wake.kicked;
      if (contended) {
        nextDueAt = null;
        return CONTENDED_MS;
      }
      nextDueAt = info.dueInMs === null || dueNow ? null : countedAt + info.dueInMs;
    }
    if (nextDueAt === null) return sweepIntervalMs;
    return Math.min(sweepIntervalMs, Math.max(0, nextDueAt - Date.now()));
  }

  async function step(): Promise<number> {
    await kafka.probeIfIdle(sweepIntervalMs);
    const ready = await kafka.ensure();
    // A leader with a producer goes straight to the drain, which checks the lock per batch.
    if (ready && leader && lock.held) return await drain();
    const held = lock.held && await lock.verify();
    if (!held) setLeader(false);
    // A relay whose lock session died sits out a little longer than one sweep, so a healthy
    // standby takes over rather than leadership bouncing back to it.
    const mayAcquire = Date.now() - lostAt > sweepIntervalMs + 1_000;
    setLeader(held || (mayAcquire && await lock.acquire()));
    if (!leader) return sweepIntervalMs;
    if (!ready) return Math.min(sweepIntervalMs, RECONNECT_MS);
    return await drain();
  }

  async function run() {
    while (running) {
      wake.reset();
      let waitMs = sweepIntervalMs;
      try {
        waitMs = await step();
      } catch (error) {
        // Database trouble: nothing is lost (rows stay pending); try again shortly.
        log("error", "outbox relay: step failed", { error: errorMessage(error) });
        waitMs = Math.min(sweepIntervalMs, RECONNECT_MS);
      }
      if (running) await wake.wait(waitMs);
    }
  }

  return {
    async start() {
      if (running) return;
      running = true;
      // Background and non-fatal: the API serves orders while Kafka is down.
      ensureTopics(opts.brokers).catch((error) =>
        log("warning", "outbox relay: could not ensure topics", { error: errorMessage(error) })
      );
      try {
        // The payload (a row id) is not needed: a wake-up claims every due row. onlisten runs
        // on each (re)connection of the listener, when notifications may have been missed.
        listener = await sql.listen("outbox", () => lock.held && wake.kick(), () => wake.kick());
      } catch (error) {
        log("error", "outbox relay: LISTEN failed; relying on the sweep", {
          error: errorMessage(error),
        });
      }
      loop = run();
    },
    async stop() {
      if (!running) return;
      running = false;
      wake.kick();
      await loop; // finishes the in-flight batch (bounded), which marks or releases its rows
      await listener?.unlisten().catch(() => {});
      await lock.release().catch((error) =>
        log("warning", "outbox relay: unlock failed", { error: errorMessage(error) })
      );
      setLeader(false);
      await kafka.close();
    },
    status() {
      return {
        producer: kafka.connected ? "connected" : "disconnected",
        leader,
        ...(counts ?? {}),
        published,
      };
    },
  };
}
