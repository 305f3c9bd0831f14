// The AsyncAPI 3.0 document of the event registry (registry.ts): one channel per topic and per
// DLQ, the messages with their key, headers, payload schema (from the zod schemas) and
// version, and what the service does on each channel. Served at GET /asyncapi.json and
// checked into docs/asyncapi.json (`deno task asyncapi` rewrites it; tests/unit/asyncapi.test.ts
// fails when it is stale).
import { z } from "zod";
import type { EventType } from "./event-type.ts";
import { EVENT_TOPICS, EVENTS } from "./registry.ts";
import type { Topic } from "./topics.ts";

type Json = Record<string, unknown>;
const KAFKA_BINDING = "0.5.0";

/** Draft-07 JSON Schema, the dialect of AsyncAPI's default schema format. */
const jsonSchema = (schema: z.ZodType): Json => {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { target: "draft-07", io: "output" });
  return rest;
};

/** `order.created` → `OrderCreated`. */
const messageId = (type: string) =>
  type.split(/[._]/).map((word) => word[0].toUpperCase() + word.slice(1)).join("");

function headersSchema(event: EventType): Json {
  return {
    type: "object",
    required: ["event-id", "event-type", "event-version", "content-type"],
    properties: {
      "event-id": {
        type: "string",
        format: "uuid",
        description: "Unique per event: a consumer dedupes on it (a record may come twice).",
      },
      "event-type": { type: "string", const: event.type },
      "event-version": { type: "string", const: event.version },
      "content-type": { type: "string", const: "application/json" },
      traceparent: {
        type: "string",
        description: "W3C trace context of the request that made the change, when traced.",
      },
      "replayed-from": {
        type: "string",
        description: "`<dlq>:<partition>:<offset>` when `deno task dlq replay` republished it.",
      },
    },
  };
}

function message(event: EventType): Json {
  return {
    name: event.type,
    title: `${event.type} v${event.version}`,
    summary: event.summary,
    contentType: "application/json",
    headers: headersSchema(event),
    payload: jsonSchema(event.schema),
    bindings: {
      kafka: {
        key: { type: "string", format: "uuid", description: event.key },
        bindingVersion: KAFKA_BINDING,
      },
    },
    "x-event-version": event.version,
  };
}

const DEAD_LETTER: Json = {
  name: "dead-letter",
  title: "A record the worker could not process",
  summary: "The original record (key, value and headers, byte for byte) plus dlq-* headers. " +
    "List and replay with `deno task dlq [--dlq <topic>]`.",
  headers: {
    type: "object",
    required: ["dlq-reason", "dlq-error", "dlq-original-topic", "dlq-failed-at"],
    properties: {
      "dlq-reason": {
        type: "string",
        enum: ["invalid-headers", "invalid-json", "invalid-schema", "retries-exhausted"],
      },
      "dlq-error": { type: "string" },
      "dlq-original-topic": { type: "string" },
      "dlq-original-partition": { type: "string" },
      "dlq-original-offset": { type: "string" },
      "dlq-failed-at": { type: "string", format: "date-time" },
    },
  },
  payload: { description: "The original value, unchanged (it may not be JSON)." },
};

function channels(topic: Topic): [string, Json][] {
  const events = EVENTS.filter((event) => event.topic === topic);
  const kafka = {
    bindings: { kafka: { partitions: topic.partitions, bindingVersion: KAFKA_BINDING } },
  };
  return [
    [topic.name, {
      address: topic.name,
      description: topic.description,
      messages: Object.fromEntries(
        events.map((
          e,
        ) => [messageId(e.type), { $ref: `#/components/messages/${messageId(e.type)}` }]),
      ),
      ...kafka,
    }],
    [topic.dlq, {
      address: topic.dlq,
      description: `Records of ${topic.name} the worker could not process.`,
      messages: { DeadLetter: { $ref: "#/components/messages/DeadLetter" } },
      ...kafka,
    }],
  ];
}

const channelRef = (name: string) => ({ $ref: `#/channels/${name.replace(/\//g, "~1")}` });

function operations(topic: Topic): [string, Json][] {
  const events = EVENTS.filter((event) => event.topic === topic);
  const refs = events.map((e) => ({
    $ref: `#/channels/${topic.name}/messages/${messageId(e.type)}`,
  }));
  const id = topic.name.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string = "") => c.toUpperCase());
  return [
    [`publish${id[0].toUpperCase()}${id.slice(1)}`, {
      action: "send",
      summary: `The API publishes to ${topic.name} (through its outbox: at least once).`,
      channel: channelRef(topic.name),
      messages: refs,
    }],
    [`consume${id[0].toUpperCase()}${id.slice(1)}`, {
      action: "receive",
      summary: `The worker consumes ${topic.name}, once in effect per event-id.`,
      channel: channelRef(topic.name),
      messages: refs,
    }],
  ];
}

export function asyncApiDocument(): Json {
  return {
    asyncapi: "3.0.0",
    info: {
      title: "Order Service events",
      version: "1.0.0",
      description: "The Kafka records of the order service, generated from its event registry " +
        "(common/events/registry.ts). Each record's `event-type` and `event-version` headers " +
        "name its message; a consumer ignores types it does not know.",
    },
    defaultContentType: "application/json",
    servers: {
      kafka: {
        host: "kafka:9092",
        protocol: "kafka",
        description: "The brokers of KAFKA_BROKERS.",
      },
    },
    channels: Object.fromEntries(EVENT_TOPICS.flatMap(channels)),
    operations: Object.fromEntries(EVENT_TOPICS.flatMap(operations)),
    components: {
      messages: {
        ...Object.fromEntries(EVENTS.map((event) => [messageId(event.type), message(event)])),
        DeadLetter: DEAD_LETTER,
      },
    },
  };
}
