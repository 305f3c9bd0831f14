// Kafka for the event tests: a client on the local broker, a collector that sees only the
// records produced after it was created, and producers of `new_order` records (valid or
// deliberately broken) with the group offsets they leave.
import { Kafka, type KafkaMessage, logLevel, Partitioners } from "kafkajs";
import type { IHeaders } from "kafkajs";
import { ORDER_TOPIC, orderCreatedHeaders } from "../../common/events/order-created.ts";
import { BROKERS } from "./events.ts";

export interface Received {
  key: string;
  value: string;
  partition: number;
  offset: string;
  headers: Record<string, string>;
}

export function decode(partition: number, message: KafkaMessage): Received {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    headers[name] = String(Array.isArray(value) ? value[0] : value);
  }
  return {
    key: message.key?.toString() ?? "",
    value: message.value?.toString() ?? "",
    partition,
    offset: message.offset,
    headers,
  };
}

export const kafka = () =>
  new Kafka({ clientId: "events-test", brokers: BROKERS, logLevel: logLevel.NOTHING });

/**
 * Collects the records of `topic` produced after this call: a fresh consumer group that seeks
 * to the current end offsets. (admin.setOffsets would do too, but costs a 5 s fetch.) A record
 * seen twice at the same partition and offset is one record, so it is kept once.
 */
export async function collect(topic: string) {
  const client = kafka();
  const admin = client.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const start = new Map(ends.map(({ partition, offset }) => [partition, BigInt(offset)]));
  const seen = new Set<string>();
  const records: Received[] = [];
  const consumer = client.consumer({
    groupId: `events-test-${crypto.randomUUID()}`,
    maxWaitTimeInMs: 100,
    retry: { retries: 30 },
  });
  return {
    records,
    /** Starts consuming (separately, so a test can stop Kafka in between). */
    async start() {
      // Position the group at `start` on every join: after a broker restart the consumer may
      // crash and rejoin (kafkajs restarts it), which forgets an earlier seek.
      const seekToStart = () => {
        for (const [partition, offset] of start) {
          consumer.seek({ topic, partition, offset: offset.toString() });
        }
      };
      consumer.on(consumer.events.GROUP_JOIN, () => {
        try {
          seekToStart();
        } catch { /* not initialized yet: the next join seeks */ }
      });
      await consumer.connect();
      await consumer.subscribe({ topic });
      await consumer.run({
        eachMessage: ({ partition, message }) => {
          const at = `${partition}:${message.offset}`;
          if (BigInt(message.offset) < (start.get(partition) ?? 0n) || seen.has(at)) {
            return Promise.resolve();
          }
          seen.add(at);
          records.push(decode(partition, message));
          return Promise.resolve();
        },
      });
      try {
        seekToStart();
      } catch { /* crashed right after joining: it rejoins and seeks then */ }
      return this;
    },
    async stop() {
      await consumer.disconnect();
    },
  };
}

/** The records carrying one of these event ids, grouped by event id. */
export function byEventId(records: Received[], eventIds: Iterable<string>) {
  const wanted = new Set(eventIds);
  const found = new Map<string, Received[]>();
  for (const record of records) {
    const id = record.headers["event-id"];
    if (wanted.has(id)) found.set(id, [...(found.get(id) ?? []), record]);
  }
  return found;
}

export function goodOrder(orderId = crypto.randomUUID()) {
  const now = new Date().toISOString();
  const eventId = crypto.randomUUID();
  return {
    eventId,
    orderId,
    message: {
      key: orderId,
      value: JSON.stringify({
        id: orderId,
        creator_id: crypto.randomUUID(),
        items: { sku: 1 },
        order_price: 10,
        status: "PENDING",
        created_at: now,
        updated_at: now,
      }),
      headers: orderCreatedHeaders(eventId) as IHeaders,
    },
  };
}

export interface RawMessage {
  key: string;
  value: string;
  headers?: IHeaders;
}

/** Produces the messages in order; returns each one's partition and offset. */
export async function produce(messages: RawMessage[]) {
  const producer = kafka().producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    const placed: { partition: number; offset: string }[] = [];
    for (const message of messages) {
      const [meta] = await producer.send({ topic: ORDER_TOPIC, acks: -1, messages: [message] });
      placed.push({ partition: meta.partition, offset: meta.baseOffset! });
    }
    return placed;
  } finally {
    await producer.disconnect();
  }
}

/** Produces many messages in one request (order across keys does not matter). */
export async function produceBatch(messages: RawMessage[]) {
  const producer = kafka().producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  await producer.send({ topic: ORDER_TOPIC, acks: -1, messages });
  await producer.disconnect();
}

/** The group's committed offset for a partition (the next record it would read). */
export async function committed(groupId: string, partition: number): Promise<bigint> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    const [topic] = await admin.fetchOffsets({ groupId, topics: [ORDER_TOPIC] });
    const entry = topic.partitions.find((p) => p.partition === partition);
    return BigInt(entry?.offset ?? "-1");
  } finally {
    await admin.disconnect();
  }
}
