// The dead-letter record format, defined once: the worker writes it (worker/consumer.ts) and
// `deno task dlq` lists and replays it (api/cli/dlq.ts). Each topic of the registry has its own
// DLQ (topics.ts). A dead letter is the original record
// (key, value, event headers) plus dlq-* headers saying why and where it came from; a replay
// is the original record again, plus a `replayed-from` header naming the dead letter.
import { Buffer } from "node:buffer";
import type { IHeaders } from "kafkajs";
import { TOPICS } from "./topics.ts";

/** Why a record was dead-lettered: the first three are the record's own fault. */
export type DeadLetterReason =
  | "invalid-headers"
  | "invalid-json"
  | "invalid-schema"
  | "retries-exhausted";

/** Reasons a replay cannot fix: the record itself is malformed. */
export const RECORD_FAULTS: readonly string[] = [
  "invalid-headers",
  "invalid-json",
  "invalid-schema",
];

export const REPLAYED_FROM = "replayed-from";
const DLQ_PREFIX = "dlq-";

export interface DeadLetterCause {
  /** The topic the record was read from. */
  topic: string;
  reason: DeadLetterReason;
  error: string;
  partition: number;
  offset: string;
}

/** The headers of a dead letter: the record's own (event headers) plus why and whence. */
export function deadLetterHeaders(
  original: IHeaders | undefined,
  cause: DeadLetterCause,
): IHeaders {
  return {
    ...original,
    "dlq-error": cause.error.slice(0, 4_000),
    "dlq-reason": cause.reason,
    "dlq-original-topic": cause.topic,
    "dlq-original-partition": String(cause.partition),
    "dlq-original-offset": cause.offset,
    "dlq-failed-at": new Date().toISOString(),
  };
}

/** A record read from the DLQ, as an operator needs it. */
export interface DeadLetter {
  /** The DLQ it was read from. */
  dlqTopic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  reason: string;
  error: string;
  failedAt: string;
  originalTopic: string;
  /** `topic:partition:offset` of the record that failed. */
  original: string;
  eventId: string | null;
  /** The record's own headers: everything but the dlq-* ones. */
  eventHeaders: Record<string, string>;
  /** Key and value as stored, for a byte-exact replay. */
  bytes: { key: Uint8Array | null; value: Uint8Array | null };
}

const text = (value: unknown): string | undefined => {
  const first = Array.isArray(value) ? value[0] : value;
  if (first === undefined || first === null) return undefined;
  return typeof first === "string" ? first : new TextDecoder().decode(first as Uint8Array);
};

/** `where.originalTopic` is the topic of this DLQ's records, for letters without the header. */
export function parseDeadLetter(
  partition: number,
  message: { offset: string; key: Uint8Array | null; value: Uint8Array | null; headers?: IHeaders },
  where: { dlqTopic: string; originalTopic: string } = {
    dlqTopic: TOPICS.newOrder.dlq,
    originalTopic: TOPICS.newOrder.name,
  },
): DeadLetter {
  const all: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    const decoded = text(value);
    if (decoded !== undefined) all[name] = decoded;
  }
  const eventHeaders = Object.fromEntries(
    Object.entries(all).filter(([name]) => !name.startsWith(DLQ_PREFIX)),
  );
  const originalTopic = all["dlq-original-topic"] || where.originalTopic;
  return {
    dlqTopic: where.dlqTopic,
    partition,
    offset: message.offset,
    key: message.key ? new TextDecoder().decode(message.key) : null,
    value: message.value ? new TextDecoder().decode(message.value) : null,
    reason: all["dlq-reason"] ?? "unknown",
    error: all["dlq-error"] ?? "",
    failedAt: all["dlq-failed-at"] ?? "",
    originalTopic,
    original: `${originalTopic}:${all["dlq-original-partition"] ?? "?"}:` +
      `${all["dlq-original-offset"] ?? "?"}`,
    eventId: all["event-id"] ?? null,
    eventHeaders,
    bytes: { key: message.key, value: message.value },
  };
}

/** Where a replay says it came from, e.g. `new_order.dlq:<partition>:<offset>`. */
export const replaySource = (dead: Pick<DeadLetter, "dlqTopic" | "partition" | "offset">) =>
  `${dead.dlqTopic}:${dead.partition}:${dead.offset}`;

/** The DLQ `deno task dlq` reads when none is named. */
export const DEFAULT_DLQ: string = TOPICS.newOrder.dlq;

/** The record to republish: same key, value and event headers, plus `replayed-from`. */
export function replayMessage(dead: DeadLetter) {
  return {
    key: dead.bytes.key ? Buffer.from(dead.bytes.key) : null,
    value: dead.bytes.value ? Buffer.from(dead.bytes.value) : null,
    headers: { ...dead.eventHeaders, [REPLAYED_FROM]: replaySource(dead) },
  };
}
