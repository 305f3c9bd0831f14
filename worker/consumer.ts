// The consumer-group loop. Each fetched batch is processed with bounded concurrency (one limit
// shared by all partitions), so throughput is about concurrency / work time rather than one
// record per work time. Offsets are resolved only over the contiguous prefix of finished
// records, so a commit never passes a record that has not been handled; a crash means
// redelivery, which processed_events makes harmless.
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from "kafkajs";
import { EVENT_TOPICS, topicNamed } from "../common/events/registry.ts";
import type { LogFn } from "../common/events/kafka-log.ts";
import { deadLetterHeaders } from "../common/events/dead-letter.ts";
import { type Handler, Interrupted, type Outcome } from "./handle.ts";
import { createCrashRecovery } from "./crash-recovery.ts";
import { createLimiter } from "./limiter.ts";
import { recordLag } from "./metrics.ts";

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
  const { log, handle, dlqProducer } = opts;
  const limit = createLimiter(opts.concurrency);
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

  /** Sends a record that cannot be processed to its topic's DLQ: original bytes plus the error. */
  async function deadLetter(
    topic: string,
    partition: number,
    message: KafkaMessage,
    outcome: Outcome,
  ) {
    if (outcome.kind !== "dead-letter") return;
    await dlqProducer.send({
      topic: topicNamed(topic)!.dlq,
      acks: -1,
      messages: [{
        key: message.key,
        value: message.value,
        headers: deadLetterHeaders(message.headers, {
          topic,
          reason: outcome.reason,
          error: outcome.error,
          partition,
          offset: message.offset,
        }),
      }],
    });
    log("warning", "record sent to the DLQ", {
      topic,
      partition,
      offset: message.offset,
      reason: outcome.reason,
      error: outcome.error.slice(0, 500),
    });
  }

  async function eachBatch(payload: EachBatchPayload) {
    const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary } = payload;
    const messages = batch.messages;
    const done = messages.map(() => false);
    let next = 0; // first record not yet resolved
    let failure: unknown = null; // failed heartbeat (rebalance) or DLQ send
    // Once the consumer stops, the partition is reassigned or sought, or a record failed,
    // queued records are left for redelivery; records already started are finished.
    const halted = () => !payload.isRunning() || payload.isStale() || failure !== null;

    await Promise.all(messages.map((message, index) =>
      limit(async () => {
        if (halted()) return;
        try {
          await handleOne(index, message);
        } catch (error) {
          failure ??= error;
        }
      })
    ));
    // All tasks have finished, so no late resolveOffset can follow. kafkajs commits what was
    // resolved, then restarts from there: a failed record (DLQ unreachable) is fetched again;
    // a failed heartbeat usually means a rebalance, and kafkajs rejoins. Records given up while
    // waiting out a database outage because the consumer is stopping are simply left
    // unresolved: the next owner of the partition gets them.
    if (failure !== null) throw failure;

    /** Called by a record waiting out a database outage: heartbeats, so the group keeps this
     * member however long the outage lasts, and says whether to keep waiting. */
    async function stillWanted(): Promise<boolean> {
      if (halted()) return false;
      try {
        await heartbeat();
      } catch (error) {
        failure ??= error; // a rebalance: give the partition back
        return false;
      }
      return !halted();
    }

    async function handleOne(index: number, message: KafkaMessage) {
      const started = performance.now();
      let outcome: Outcome;
      try {
        outcome = await handle({
          topic: batch.topic,
          partition: batch.partition,
          offset: message.offset,
          value: message.value,
          headers: message.headers,
        }, { stillWanted });
      } catch (error) {
        if (error instanceof Interrupted) return; // left unresolved (see above)
        throw error;
      }
      // If the DLQ is unreachable this throws: the record stays unresolved and the batch
      // is fetched again, rather than skipping a record silently.
      await deadLetter(batch.topic, batch.partition, message, outcome);
      log("debug", "record handled", {
        partition: batch.partition,
        offset: message.offset,
        outcome: outcome.kind,
        ...(outcome.kind === "dead-letter" ? {} : { eventId: outcome.eventId }),
        ms: Math.round(performance.now() - started),
      });
      done[index] = true;
      while (next < messages.length && done[next]) resolveOffset(messages[next++].offset);
      const nextOffset = messages[next]?.offset ?? String(Number(messages.at(-1)!.offset) + 1);
      recordLag(batch.topic, batch.partition, batch.highWatermark, nextOffset);
      await heartbeat();
      await commitOffsetsIfNecessary();
    }
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
