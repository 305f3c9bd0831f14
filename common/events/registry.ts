// The event registry: every event type the service publishes, with its topic, key, schema and
// version. Topic creation (api/events/topics.ts, compose's kafka-init: tests/deploy checks
// it), the worker's subscriptions and handlers, the DLQ tools and the AsyncAPI document
// (docs/asyncapi.json) all derive from this list.
//
// A new event type: its contract file beside this one, a line in EVENTS, its handler in
// worker/handlers.ts (the type checker asks for it), and the `enqueue` call that writes it.
import { decodeHeaders, EventHeaders } from "./headers.ts";
import { ORDER_CREATED } from "./order-created.ts";
import { ORDER_STATUS_CHANGED } from "./order-status-changed.ts";
import type { Topic } from "./topics.ts";
import type { DeadLetterReason } from "./dead-letter.ts";

export const EVENTS = [ORDER_CREATED, ORDER_STATUS_CHANGED] as const;
export type RegisteredEvent = (typeof EVENTS)[number];
export type EventName = RegisteredEvent["type"];

/** The topics events are published on, each once, in registry order. */
export const EVENT_TOPICS: readonly Topic[] = [...new Set(EVENTS.map((event) => event.topic))];

/** Every topic to create: the event topics and their DLQs. */
export const ALL_TOPICS: readonly { name: string; partitions: number }[] = EVENT_TOPICS.flatMap(
  (topic) => [
    { name: topic.name, partitions: topic.partitions },
    { name: topic.dlq, partitions: topic.partitions },
  ],
);

export const topicNamed = (name: string): Topic | undefined =>
  EVENT_TOPICS.find((topic) => topic.name === name);

export const dlqTopicNamed = (name: string): Topic | undefined =>
  EVENT_TOPICS.find((topic) => topic.dlq === name);

export const eventNamed = (type: string): RegisteredEvent | undefined =>
  EVENTS.find((event) => event.type === type);

export interface RawRecord {
  topic: string;
  value: Uint8Array | null;
  headers?: Record<string, unknown>;
}

export type ParsedRecord =
  | { ok: true; event: RegisteredEvent; eventId: string; value: unknown }
  | { ok: false; reason: Exclude<DeadLetterReason, "retries-exhausted">; error: string };

/** Checks a received record against the registry: headers, type, version, topic, value. */
export function parseRecord(record: RawRecord): ParsedRecord {
  const headers = EventHeaders.safeParse(decodeHeaders(record.headers));
  if (!headers.success) {
    return { ok: false, reason: "invalid-headers", error: headers.error.message };
  }
  const { "event-type": type, "event-version": version, "event-id": eventId } = headers.data;
  const event = eventNamed(type);
  const wrong = !event
    ? `unknown event-type ${JSON.stringify(type)}`
    : event.version !== version
    ? `${type} has version ${event.version}, not ${JSON.stringify(version)}`
    : event.topic.name !== record.topic
    ? `${type} belongs on ${event.topic.name}, not ${record.topic}`
    : null;
  if (wrong || !event) return { ok: false, reason: "invalid-headers", error: wrong! };
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(record.value ?? new Uint8Array()));
  } catch (error) {
    return { ok: false, reason: "invalid-json", error: String(error) };
  }
  const value = event.schema.safeParse(json);
  if (!value.success) return { ok: false, reason: "invalid-schema", error: value.error.message };
  return { ok: true, event, eventId, value: value.data };
}
