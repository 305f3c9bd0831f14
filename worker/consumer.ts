// The consumer-group loop: membership, subscriptions and crash recovery. Each fetched batch is
// processed with bounded concurrency (worker/each-batch.ts), so throughput is about
// concurrency / work time rather than one record per work time.
import type { Consumer, Kafka, Producer } from "kafkajs";
import { EVENT_TOPICS } from "../common/events/registry.ts";
import type { LogFn } from "../common/events/kafka-log.ts";
import { createCrashRecovery } from "./crash-recovery.ts";
import { createDlqSender } from "./dlq-sender.ts";
import { createBatchHandler } from "./each-batch.ts";
import type { Handler } from "./handle.ts";
import { createLimiter } from "./limiter.ts";

export interface OrderConsumerOptions {
  kafka: Kafka;
  groupId: string;
  sessionTimeoutMs: number;
  concurrency: number;
  handle: Handler;
  dlqProducer: Producer;
  log: LogFn;
  /** Called when the consumer has crashed and not rejoined its group for giveUpAfterMs
   * (worker/crash-recovery.ts). */
  onFatal: (error: unknown) => void;
  /** How long crashes are ridden out in process before onFatal (default 5 minutes). */
  giveUpAfterMs?: number;
}

export function createOrderConsumer(opts: OrderConsumerOptions) {
  const { log } = opts;
  // One limit for all partitions and for every (re)start of the loop.
  const eachBatch = createBatchHandler({
    limit: createLimiter(opts.concurrency),
    handle: opts.handle,
    sendToDlq: createDlqSender(opts.dlqProducer, log),
    log,
  });
  const consumer: Consumer = opts.kafka.consumer({
    groupId: opts.groupId,
    sessionTimeout: opts.sessionTimeoutMs,
    heartbeatInterval: Math.min(3_000, Math.floor(opts.sessionTimeoutMs / 3)),
    // An idle fetch returns after this long; shutdown waits for it, so keep it short (a fetch
    // still returns at once when records arrive).
    maxWaitTimeInMs: 1_000,
    // Connection trouble is retried for a while before kafkajs restarts the consumer.
    retry: { retries: 10 },
  });
  let joined = false;
  let stopping = false;
  const recovery = createCrashRecovery({
    start: run,
    disconnect: () => consumer.disconnect(),
    giveUpAfterMs: opts.giveUpAfterMs ?? 5 * 60_000,
    onFatal: opts.onFatal,
    log,
  });
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joined = true;
    recovery.joined();
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    joined = false;
    log(payload.restart ? "warning" : "error", "consumer crashed", {
      error: String(payload.error),
      restart: payload.restart,
    });
    if (!stopping) recovery.crashed(payload.error, payload.restart);
  });

  async function run() {
    await consumer.connect();
    // A group with no committed offset (a first deploy, a new KAFKA_GROUP_ID) starts at the
    // beginning of the topic, not at its end: records produced before the group's first join
    // are processed too. Events already processed are skipped via processed_events.
    await consumer.subscribe({ topics: EVENT_TOPICS.map((t) => t.name), fromBeginning: true });
    await consumer.run({
      eachBatchAutoResolve: false,
      // Resolved offsets are committed at least every second while a long batch runs.
      autoCommitInterval: 1_000,
      partitionsConsumedConcurrently: Math.max(1, Math.min(opts.concurrency, 16)),
      eachBatch,
    });
  }

  return {
    /** True while the consumer is a member of its group and not shutting down. */
    isRunning: () => joined && !stopping,
    start: run,
    /** Stops fetching, lets in-flight records finish, commits, and leaves the group. */
    async stop() {
      stopping = true;
      await recovery.stop(); // a start again under way finishes first, then is undone here
      await consumer.disconnect();
      joined = false;
    },
  };
}
