// `deno task dlq replay`: puts dead letters back on their original topic, same key, value and
// event headers plus `replayed-from`, so the worker processes them (once: it dedupes by
// event-id in processed_events, so a record processed before is a duplicate, not a second
// effect). Each replay is recorded in dlq_replays and a dead letter already recorded is
// skipped, so running the same replay twice publishes once. A record is published before its
// replay is recorded: a replay cut off in between publishes it again next time, which the
// worker's dedupe makes harmless, whereas recording first could lose it.
import { type Kafka, Partitioners } from "kafkajs";
import type postgres from "postgres";
import {
  type DeadLetter,
  DEFAULT_DLQ,
  RECORD_FAULTS,
  replayMessage,
} from "../../../common/events/dead-letter.ts";

/** `<partition>:<offset>` of a dead letter, as the operator names it. */
export const dlqPosition = (dead: Pick<DeadLetter, "partition" | "offset">) =>
  `${dead.partition}:${dead.offset}`;

export interface Replayed {
  at: string;
  to: string;
  replayedAt: string;
}

/** The dead letters of one DLQ already replayed, by position. */
export async function replayedLetters(
  sql: postgres.Sql,
  dlqTopic = DEFAULT_DLQ,
): Promise<Map<string, Replayed>> {
  const rows = await sql<{ at: string; to: string; replayed_at: Date }[]>`
    select dlq_partition || ':' || dlq_offset as at,
      topic || ':' || kafka_partition || ':' || kafka_offset as to, replayed_at
    from dlq_replays where dlq_topic = ${dlqTopic}`;
  return new Map(
    rows.map((r) => [r.at, { at: r.at, to: r.to, replayedAt: r.replayed_at.toISOString() }]),
  );
}

export interface Selection {
  replay: DeadLetter[];
  skipped: { at: string; why: string }[];
  /** Positions asked for that are not in the DLQ. */
  missing: string[];
}

/**
 * `all`: every dead letter not replayed yet whose reason a replay can fix (a malformed record
 * would only be dead-lettered again). A list of positions: exactly those, whatever the reason,
 * unless already replayed.
 */
export function selectForReplay(
  letters: DeadLetter[],
  wanted: "all" | string[],
  replayed: Map<string, Replayed>,
): Selection {
  const byPosition = new Map(letters.map((d) => [dlqPosition(d), d]));
  const asked = wanted === "all" ? letters : wanted.flatMap((at) => byPosition.get(at) ?? []);
  const selection: Selection = {
    replay: [],
    skipped: [],
    missing: wanted === "all" ? [] : wanted.filter((at) => !byPosition.has(at)),
  };
  for (const dead of asked) {
    const at = dlqPosition(dead);
    const done = replayed.get(at);
    if (done) {
      selection.skipped.push({ at, why: `already replayed to ${done.to} at ${done.replayedAt}` });
    } else if (wanted === "all" && RECORD_FAULTS.includes(dead.reason)) {
      selection.skipped.push({ at, why: `${dead.reason}: the record itself is malformed` });
    } else {
      selection.replay.push(dead);
    }
  }
  return selection;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Publishes each dead letter to its original topic and records the replay; one at a time,
 * in DLQ order. Returns where each went (`topic:partition:offset`). */
export async function replayLetters(
  kafka: Kafka,
  sql: postgres.Sql,
  letters: DeadLetter[],
  onReplayed: (dead: DeadLetter, to: string) => void,
): Promise<void> {
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  try {
    for (const dead of letters) {
      const [meta] = await producer.send({
        topic: dead.originalTopic,
        acks: -1,
        messages: [replayMessage(dead)],
      });
      const offset = meta.baseOffset ?? "-1";
      const eventId = dead.eventId && UUID.test(dead.eventId) ? dead.eventId : null;
      await sql`
        insert into dlq_replays (dlq_topic, dlq_partition, dlq_offset, event_id, topic,
          kafka_partition, kafka_offset)
        values (${dead.dlqTopic}, ${dead.partition}, ${dead.offset}, ${eventId},
          ${dead.originalTopic}, ${meta.partition}, ${offset})
        on conflict do nothing`;
      onReplayed(dead, `${dead.originalTopic}:${meta.partition}:${offset}`);
    }
  } finally {
    await producer.disconnect();
  }
}

/** Runs `work` holding a session advisory lock, so two replays never interleave. False when
 * another replay holds it. */
export async function withReplayLock(sql: postgres.Sql, work: () => Promise<void>) {
  const session = await sql.reserve();
  try {
    const [{ locked }] = await session<{ locked: boolean }[]>`
      select pg_try_advisory_lock(hashtext('order-service:dlq-replay')) as locked`;
    if (!locked) return false;
    try {
      await work();
    } finally {
      await session`select pg_advisory_unlock(hashtext('order-service:dlq-replay'))`;
    }
    return true;
  } finally {
    session.release();
  }
}
