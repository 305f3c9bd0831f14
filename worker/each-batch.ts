// One fetched batch of a partition, handled with bounded concurrency (one limit shared by all
// partitions). Offsets are resolved only over the contiguous prefix of finished records, so a
// commit never passes a record that has not been handled; a crash means redelivery, which
// processed_events makes harmless.
import type { EachBatchPayload, KafkaMessage } from "kafkajs";
import type { LogFn } from "../common/events/kafka-log.ts";
import type { DlqSender } from "./dlq-sender.ts";
import { type Handler, Interrupted, type Outcome } from "./handle.ts";
import type { createLimiter } from "./limiter.ts";
import { recordLag } from "./metrics.ts";

export function createBatchHandler(
  { limit, handle, sendToDlq, log }: {
    limit: ReturnType<typeof createLimiter>;
    handle: Handler;
    sendToDlq: DlqSender;
    log: LogFn;
  },
) {
  return async function eachBatch(payload: EachBatchPayload) {
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
      await sendToDlq(batch.topic, batch.partition, message, outcome);
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
  };
}
