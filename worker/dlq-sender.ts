// Sends a record the worker cannot process to its topic's DLQ: the original key, value and
// headers, plus dlq-* headers that say where it came from and why (common/events/dead-letter.ts).
import type { KafkaMessage, Producer } from "kafkajs";
import { deadLetterHeaders } from "../common/events/dead-letter.ts";
import type { LogFn } from "../common/events/kafka-log.ts";
import { topicNamed } from "../common/events/registry.ts";
import type { Outcome } from "./handle.ts";

export type DlqSender = (
  topic: string,
  partition: number,
  message: KafkaMessage,
  outcome: Outcome,
) => Promise<void>;

/** A sender that acts on "dead-letter" outcomes only; it throws if the DLQ is unreachable. */
export function createDlqSender(dlqProducer: Producer, log: LogFn): DlqSender {
  return async (topic, partition, message, outcome) => {
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
  };
}
