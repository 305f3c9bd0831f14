// The send step of a relay batch: rows that never failed go in one request; rows that failed
// before, and the rows of a failed request, go one by one (so one bad row cannot hold back the
// others), until the batch's deadline or repeated broker-side failures. Nothing is recorded
// here: outbox-settle.ts writes each row's outcome.
import type { RecordMetadata } from "kafkajs";
import { isRecordError } from "./kafka-errors.ts";
import type { OutboxRow } from "./outbox-store.ts";
import type { SendBatch, Sender } from "./outbox-batch.ts";
import { observePublish, withTraceparent } from "./publish-telemetry.ts";

/** Consecutive broker-side failures (not the record's fault) before giving the rest back. */
const MAX_BROKER_FAILURES = 2;

export interface Sent {
  /** Ids of the rows the broker acknowledged. */
  sent: string[];
  /** Partitions (`topic:partition`) that took a record in this batch. */
  delivered: Set<string>;
  failures: { row: OutboxRow; error: unknown }[];
  /** Rows not tried: no producer, out of time, or the broker kept failing. */
  untried: OutboxRow[];
  /** The producer at the end (null: Kafka unreachable). */
  producer: SendBatch | null;
}

export async function sendRows(
  rows: OutboxRow[],
  sender: Sender,
  deadline: number,
): Promise<Sent> {
  const out: Sent = {
    sent: [],
    delivered: new Set(),
    failures: [],
    untried: [],
    producer: await sender.producer(),
  };
  const arrived = (metadata: RecordMetadata[] | undefined) => {
    for (const m of metadata ?? []) out.delivered.add(`${m.topicName}:${m.partition}`);
  };
  const send = (producer: SendBatch, batch: OutboxRow[]) =>
    observePublish(batch, () => producer.sendBatch({ acks: -1, topicMessages: byTopic(batch) }));

  const fresh = rows.filter((row) => row.attempts === 0);
  const oneByOne = rows.filter((row) => row.attempts > 0);
  if (out.producer && fresh.length > 0) {
    try {
      arrived(await send(out.producer, fresh));
      out.sent.push(...fresh.map((row) => row.id));
    } catch (error) {
      if (fresh.length === 1) out.failures.push({ row: fresh[0], error });
      else oneByOne.unshift(...fresh);
      // Part of a multi-partition batch may have been appended: start a new sequence.
      out.producer = await sender.renew(error);
    }
  } else out.untried.push(...fresh);

  let brokerFailures = 0;
  for (const row of oneByOne) {
    if (!out.producer || Date.now() > deadline || brokerFailures >= MAX_BROKER_FAILURES) {
      out.untried.push(row);
      continue;
    }
    try {
      arrived(await send(out.producer, [row]));
      out.sent.push(row.id);
      brokerFailures = 0;
    } catch (error) {
      out.failures.push({ row, error });
      if (!isRecordError(error)) {
        brokerFailures++;
        out.producer = await sender.renew(error);
      }
    }
  }
  return out;
}

function byTopic(rows: OutboxRow[]) {
  const topics = new Map<
    string,
    { key: string; value: string; headers: Record<string, string> }[]
  >();
  for (const row of rows) {
    const messages = topics.get(row.topic) ?? [];
    // headers is jsonb: postgres.js returns it parsed; values are strings by construction.
    const headers = withTraceparent(stringHeaders(row), row.traceparent);
    messages.push({ key: row.record_key, value: row.record_value, headers });
    topics.set(row.topic, messages);
  }
  return [...topics].map(([topic, messages]) => ({ topic, messages }));
}

function stringHeaders(row: OutboxRow): Record<string, string> {
  const headers = typeof row.headers === "string" ? JSON.parse(row.headers) : row.headers;
  return Object.fromEntries(
    Object.entries(headers as Record<string, unknown>).map(([key, value]) => [key, String(value)]),
  );
}
