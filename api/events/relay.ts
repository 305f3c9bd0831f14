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
import { errorMessage } from "./kafka-errors.ts";
import { createLeaderLock } from "./leader-lock.ts";
import type { Backoff, PublishOptions, Sender } from "./outbox-batch.ts";
import { drain } from "./relay-drain.ts";
import { createRelayProducer } from "./relay-producer.ts";
import { CONTENDED_MS, createRelaySchedule } from "./relay-schedule.ts";
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
// A batch tries rows one by one for at most this long, then gives the rest back; the lease
// is far longer, so a claim never expires while its relay is still working on it.
const MAX_BATCH_MS = 5_000;
const LEASE_MS = 60_000;

export function createOutboxRelay(opts: OutboxRelayOptions): OutboxRelay {
  const { sql, log, sweepIntervalMs } = opts;
  const publish: PublishOptions = {
    batchSize: opts.batchSize,
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
  const schedule = createRelaySchedule({ sql, sweepIntervalMs, kicked: () => wake.kicked });
  let leader = false;
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
    if (!value) schedule.forgetCounts();
  }

  /** Publishes due rows until none are left; returns how long to sleep afterwards. */
  async function drainDue(): Promise<number> {
    const { lostLock, troubled } = await drain({
      sql,
      lock,
      kafka,
      sender,
      publish,
      log,
      running: () => running,
      onSent: (rows) => (published += rows),
    });
    if (lostLock) {
      setLeader(false);
      return CONTENDED_MS;
    }
    return await schedule.nextWait(troubled);
  }

  /** One wake-up of the leader loop: take or keep the lock, then drain as the leader. */
  async function step(): Promise<number> {
    await kafka.probeIfIdle(sweepIntervalMs);
    const ready = await kafka.ensure();
    // A leader with a producer goes straight to the drain, which checks the lock per batch.
    if (ready && leader && lock.held) return await drainDue();
    const held = lock.held && await lock.verify();
    if (!held) setLeader(false);
    // A relay whose lock session died sits out a little longer than one sweep, so a healthy
    // standby takes over rather than leadership bouncing back to it.
    const mayAcquire = Date.now() - lostAt > sweepIntervalMs + 1_000;
    setLeader(held || (mayAcquire && await lock.acquire()));
    if (!leader) return sweepIntervalMs;
    if (!ready) return Math.min(sweepIntervalMs, RECONNECT_MS);
    return await drainDue();
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
        ...(schedule.counts ?? {}),
        published,
      };
    },
  };
}
