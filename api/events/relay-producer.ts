// The relay's Kafka side: one idempotent producer, connected lazily and replaced after any
// failure, plus the connection state that readiness reports.
import { Kafka, logLevel, Partitioners, type Producer } from "kafkajs";
import type { ICustomPartitioner } from "kafkajs";
import { kafkaLogCreator, type LogFn } from "../../common/events/kafka-log.ts";
import { EVENT_TOPICS } from "../../common/events/registry.ts";
import { errorMessage } from "./kafka-errors.ts";

/** Where records were last placed, by topic and key; bounded (any entry may be re-learnt). */
const MAX_PLACED = 10_000;

/**
 * The default (murmur2) partitioner, remembering where it put each key: a failed send does not
 * say which partition refused it, and outbox-publish.ts needs to know (a partial outage).
 */
function rememberingPartitioner(placed: Map<string, number>): ICustomPartitioner {
  return () => {
    const partition = Partitioners.DefaultPartitioner();
    return (args) => {
      const chosen = partition(args);
      if (placed.size >= MAX_PLACED) placed.clear();
      placed.set(`${args.topic}:${String(args.message.key)}`, chosen);
      return chosen;
    };
  };
}

export function createRelayProducer(opts: { brokers: string[]; clientId: string; log: LogFn }) {
  const { log } = opts;
  // Few, short client retries: a failed send is retried from the outbox table instead, so a
  // batch stays short while Kafka is away.
  const retry = { retries: 3, initialRetryTime: 200, maxRetryTime: 2_000 };
  const kafka = new Kafka({
    clientId: opts.clientId,
    brokers: opts.brokers,
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator(log),
    connectionTimeout: 3_000,
    requestTimeout: 10_000,
    retry,
  });
  const admin = kafka.admin();
  const placed = new Map<string, number>();
  let producer: Producer | null = null;
  let connected = false;
  let lastOk = 0;

  function setConnected(value: boolean, error?: unknown) {
    if (value !== connected) {
      if (value) log("info", "outbox relay: Kafka producer connected");
      else {log("warning", "outbox relay: Kafka producer disconnected", {
          error: errorMessage(error),
        });}
    }
    connected = value;
    if (value) lastOk = Date.now();
  }

  const self = {
    get connected() {
      return connected;
    },
    /** The connected producer, connecting one if needed; null while Kafka is unreachable. */
    async ensure(): Promise<Producer | null> {
      if (producer && connected) return producer;
      // Idempotent: the broker dedupes the client's own retries; acks=all is implied, and
      // kafkajs wants at most one in-flight request for it. The default partitioner is the
      // Java client's murmur2, so a key lands on the same partition as from other clients.
      producer ??= kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        createPartitioner: rememberingPartitioner(placed),
        retry,
      });
      try {
        await producer.connect();
        setConnected(true);
        return producer;
      } catch (error) {
        await self.drop(error);
        return null;
      }
    },
    /**
     * Discards the producer after a failure; the next ensure() makes a fresh one (new
     * producer id), since the idempotent producer's sequence numbers may be out of step with
     * the broker after a failed send.
     */
    async drop(error: unknown) {
      const old = producer;
      producer = null;
      setConnected(false, error);
      await old?.disconnect().catch(() => {});
    },
    /**
     * Replaces the producer after a failed send without reporting Kafka as down (a record's
     * own failure is no outage); null when Kafka cannot be reached.
     */
    async renew(_error: unknown): Promise<Producer | null> {
      const old = producer;
      producer = null;
      await old?.disconnect().catch(() => {});
      return await self.ensure();
    },
    /** `topic:partition` of the last record sent with this key, if any was. */
    partitionOf(topic: string, key: string): string | undefined {
      const partition = placed.get(`${topic}:${key}`);
      return partition === undefined ? undefined : `${topic}:${partition}`;
    },
    markOk() {
      lastOk = Date.now();
    },
    /** Notices an idle broker going away, so that status() (readiness) tells the truth. */
    async probeIfIdle(idleMs: number) {
      if (!connected || Date.now() - lastOk < idleMs) return;
      try {
        await admin.connect();
        await admin.fetchTopicMetadata({ topics: EVENT_TOPICS.map((topic) => topic.name) });
        lastOk = Date.now();
      } catch (error) {
        await self.drop(error);
      }
    },
    async close() {
      const old = producer;
      producer = null;
      connected = false;
      await old?.disconnect().catch(() => {});
      await admin.disconnect().catch(() => {});
    },
  };
  return self;
}
