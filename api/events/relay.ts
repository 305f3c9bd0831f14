// The transactional-outbox relay (SPEC §4), run inside every API process. Orders and their
// outbox rows are committed together; this relay publishes the rows to Kafka and marks them
// sent. It is woken by NOTIFY on channel `outbox` (the insert trigger sends the row id) and
// sweeps periodically as a safety net for missed notifications and rows whose backoff ended.
// Only the holder of an advisory lock publishes, so several API processes share one database
// without competing; the others retry the lock every sweep and take over if the leader dies.
import type { Producer } from "kafkajs";
import type postgres from "postgres";
import type { LogFn } from "../../common/events/kafka-log.ts";
import { createLeaderLock } from "./leader-lock.ts";
import { type Backoff, errorMessage, pendingInfo, publishBatch } from "./outbox-publish.ts";
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
  /** Advisory-lock key shared by all relays on one database. */
  lockKey?: number;
  /** Per-row retry delay after a failed publish: baseMs × 2^attempts, capped at maxMs. */
  backoff?: Partial<Backoff>;
}

export interface OutboxRelayStatus {
  producer: "connected" | "disconnected";
  leader: boolean;
  /** Unsent rows (due or backing off); known by the leader only. */
  pending?: number;
}

export interface OutboxRelay {
  start(): Promise<void>;
  stop(): Promise<void>;
  status(): OutboxRelayStatus;
}

export const OUTBOX_RELAY_LOCK_KEY = 1_869_968_482; // "outb" in ASCII, below 2^31
const RECONNECT_MS = 1_000; // how often a relay without a producer retries Kafka
const CONTENDED_MS = 200; // due rows locked by another transaction: look again soon

export function createOutboxRelay(opts: OutboxRelayOptions): OutboxRelay {
  const { sql, log, batchSize, sweepIntervalMs } = opts;
  const backoff: Backoff = { baseMs: 500, maxMs: 30_000, ...opts.backoff };
  const lock = createLeaderLock(sql, opts.lockKey ?? OUTBOX_RELAY_LOCK_KEY);
  const kafka = createRelayProducer(opts);
  const wake = createWaker();
  let leader = false;
  let pending: number | undefined;
  let running = false;
  let loop: Promise<void> | null = null;
  let listener: { unlisten(): Promise<void> } | null = null;

  /** Publishes due rows until none are left; returns how long to sleep afterwards. */
  async function drain(ready: Producer): Promise<number> {
    for (;;) {
      const result = await publishBatch(sql, ready, batchSize, backoff);
      if (result.claimed === 0) break;
      if (result.error !== undefined) {
        log("warning", "outbox relay: publish failed, rows will be retried", {
          rows: result.claimed,
          error: result.error,
        });
        await kafka.drop(result.error);
        break;
      }
      kafka.markOk();
      log("debug", "outbox relay: published", { rows: result.claimed });
      if (result.claimed < batchSize || !running) break;
    }
    const info = await pendingInfo(sql);
    pending = info.pending;
    if (info.dueInMs === null) return sweepIntervalMs;
    return Math.min(sweepIntervalMs, info.dueInMs > 0 ? info.dueInMs : CONTENDED_MS);
  }

  async function step(): Promise<number> {
    await kafka.probeIfIdle(sweepIntervalMs);
    const ready = await kafka.ensure();
    const wasLeader = leader;
    leader = (lock.held && await lock.verify()) || await lock.acquire();
    if (leader !== wasLeader) {
      log("info", leader ? "outbox relay: became leader" : "outbox relay: lost leadership");
    }
    if (!leader) {
      pending = undefined;
      return sweepIntervalMs;
    }
    if (!ready) return Math.min(sweepIntervalMs, RECONNECT_MS);
    return await drain(ready);
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
      await loop; // finishes the in-flight batch
      await listener?.unlisten().catch(() => {});
      await lock.release().catch((error) =>
        log("warning", "outbox relay: unlock failed", { error: errorMessage(error) })
      );
      leader = false;
      await kafka.close();
    },
    status() {
      return {
        producer: kafka.connected ? "connected" : "disconnected",
        leader,
        ...(pending === undefined ? {} : { pending }),
      };
    },
  };
}
