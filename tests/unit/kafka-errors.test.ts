// Which publish failures are the record's own (count towards parking) and which are the
// broker's (never park a row), as kafkajs reports them.
import { strictEqual } from "node:assert/strict";
import { isRecordError, kafkaErrorType } from "../../api/events/kafka-errors.ts";

/** The shapes kafkajs 2.2.4 throws (as a real broker's: tests/events/relay-poison.test.ts). */
const protocolError = (type: string, retriable: boolean) =>
  Object.assign(new Error(type), { name: "KafkaJSProtocolError", type, retriable });
const retriesExceeded = (cause: Error) =>
  Object.assign(new Error(cause.message, { cause }), { name: "KafkaJSNumberOfRetriesExceeded" });

Deno.test("record errors: too large, unknown topic (also after retries)", () => {
  strictEqual(isRecordError(protocolError("MESSAGE_TOO_LARGE", false)), true);
  const unknown = retriesExceeded(protocolError("UNKNOWN_TOPIC_OR_PARTITION", true));
  strictEqual(kafkaErrorType(unknown), "UNKNOWN_TOPIC_OR_PARTITION");
  strictEqual(isRecordError(unknown), true);
});

Deno.test("broker errors are not the record's: connection, timeout, leader election", () => {
  const refused = Object.assign(new Error("Connection error: connect ECONNREFUSED"), {
    name: "KafkaJSConnectionError",
  });
  strictEqual(isRecordError(refused), false);
  strictEqual(isRecordError(retriesExceeded(refused)), false);
  strictEqual(
    isRecordError(Object.assign(new Error("timeout"), { name: "KafkaJSRequestTimeoutError" })),
    false,
  );
  strictEqual(isRecordError(protocolError("LEADER_NOT_AVAILABLE", true)), false);
  strictEqual(isRecordError(protocolError("NOT_LEADER_FOR_PARTITION", true)), false);
  strictEqual(isRecordError(new Error("The producer is disconnected")), false);
  strictEqual(isRecordError("x"), false);
});
