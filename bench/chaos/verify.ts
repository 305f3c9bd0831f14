// What a scenario did to the orders: waits (bounded, condition-based) until the outbox rows of
// the scenario's orders are sent and the worker has recorded every order, then counts. Each
// check opens its own short-lived connection, so the harness holds nothing while PostgreSQL
// is being broken.
import { AssignerProtocol, Kafka, logLevel } from "kafkajs";
import postgres from "postgres";
import { ORDER_DLQ_TOPIC } from "../../common/events/order-created.ts";
import { EVENT_TOPICS } from "../../common/events/registry.ts";
import { services, until } from "./env.ts";

export async function withSql<T>(task: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(services.databaseUrl, {
    max: 2,
    onnotice: () => {},
    connection: { application_name: "chaos-harness" },
  });
  try {
    return await task(sql);
  } finally {
    await sql.end({ timeout: 2 });
  }
}

interface Progress {
  orders: number;
  processed: number;
  unsent: number;
}

/** Orders of these users, how many the worker recorded, and their unsent outbox rows. */
export function progress(userIds: string[]): Promise<Progress> {
  return withSql(async (sql) => {
    const [row] = await sql<Progress[]>`
      select count(*)::int as orders,
        count(*) filter (where exists (
          select 1 from processed_events p where p.order_id = o.id))::int as processed,
        (select count(*)::int from outbox x
          where x.sent_at is null and x.record_key in (
            select id::text from orders where creator_id = any(${userIds}::uuid[]))) as unsent
      from orders o where o.creator_id = any(${userIds}::uuid[])`;
    return row;
  });
}

/**
 * Waits until every order of these users is published and processed. Gives up (false) after
 * `timeoutMs`, or earlier once nothing has moved for `stallMs` (a relay that died mid-batch
 * leaves its rows leased for 60 s, so a shorter stall could be a pause rather than a loss).
 */
export async function settle(
  userIds: string[],
  timeoutMs: number,
  stallMs = 70_000,
): Promise<boolean> {
  let last = "";
  let movedAt = Date.now();
  const done = await until(
    async () => {
      const p = await progress(userIds);
      const now = JSON.stringify(p);
      if (now !== last) [last, movedAt] = [now, Date.now()];
      return (p.unsent === 0 && p.processed === p.orders) || Date.now() - movedAt > stallMs;
    },
    timeoutMs,
    500,
  );
  const p = await progress(userIds);
  return Boolean(done) && p.unsent === 0 && p.processed === p.orders;
}

export interface Outcome {
  created: number;
  inTable: number;
  /** Orders in the table no client got a 201 for (a key given up, or a broken replay). */
  unacked: number;
  processedOnce: number;
  duplicates: number;
  lost: number;
  /** Longest time from an order's commit to its effect, in seconds. */
  maxDelayS: number;
}

/** Counts effects per acknowledged order (processed_events rows with that order id). */
export function measure(userIds: string[], ackedIds: Set<string>): Promise<Outcome> {
  return withSql(async (sql) => {
    const rows = await sql<{ id: string; effects: number; delay: number | null }[]>`
      select o.id::text as id, count(p.event_id)::int as effects,
        extract(epoch from max(p.processed_at) - o.created_at)::float8 as delay
      from orders o left join processed_events p on p.order_id = o.id
      where o.creator_id = any(${userIds}::uuid[])
      group by o.id`;
    const effects = new Map(rows.map((r) => [r.id, r.effects]));
    let processedOnce = 0, duplicates = 0, lost = 0, inTable = 0;
    for (const id of ackedIds) {
      const n = effects.get(id);
      if (n !== undefined) inTable++;
      if (n === 1) processedOnce++;
      else if ((n ?? 0) > 1) duplicates++;
      else lost++;
    }
    return {
      created: ackedIds.size,
      inTable,
      unacked: rows.filter((r) => !ackedIds.has(r.id)).length,
      processedOnce,
      duplicates,
      lost,
      maxDelayS: Math.round(Math.max(0, ...rows.map((r) => r.delay ?? 0)) * 10) / 10,
    };
  });
}

const kafkaClient = () =>
  new Kafka({ clientId: "chaos-harness", brokers: services.brokers, logLevel: logLevel.NOTHING });

/** Records ever written to the DLQ topic (sum of its partitions' end offsets). */
export async function dlqCount(): Promise<number> {
  const admin = kafkaClient().admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(ORDER_DLQ_TOPIC);
    return offsets.reduce((sum, p) => sum + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Whether a consumer group has ever committed offsets or has members. */
export async function groupExists(groupId: string): Promise<boolean> {
  const admin = kafkaClient().admin();
  await admin.connect();
  try {
    const { groups } = await admin.listGroups();
    return groups.some((g) => g.groupId === groupId);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Creates group `groupId` with committed offsets at the current end of every event topic, so
 * a worker joining it sees only new records (rather than replaying the topics from the start).
 */
export async function commitAtEnd(groupId: string) {
  const admin = kafkaClient().admin();
  await admin.connect();
  try {
    for (const { name: topic } of EVENT_TOPICS) {
      const ends = await admin.fetchTopicOffsets(topic);
      await admin.setOffsets({
        groupId,
        topic,
        partitions: ends.map(({ partition, offset }) => ({ partition, offset })),
      });
    }
  } finally {
    await admin.disconnect();
  }
}

/** Each member of the group with the number of `topic` partitions assigned to it. */
export async function groupMembers(groupId: string, topic: string): Promise<string[]> {
  const admin = kafkaClient().admin();
  await admin.connect();
  try {
    const { groups: [group] } = await admin.describeGroups([groupId]);
    return group.members.map((member) => {
      const assignment = AssignerProtocol.MemberAssignment.decode(member.memberAssignment);
      return `${member.clientId}: ${assignment?.assignment[topic]?.length ?? 0}`;
    });
  } finally {
    await admin.disconnect();
  }
}

/**
 * Deletes every record now on `topic` (of this checkout's local broker); returns how many.
 * A brand-new group replays the whole topic, so the first-deploy fault empties it first to
 * keep that replay (and the suite) bounded however many runs came before.
 */
export async function truncateTopic(topic: string): Promise<number> {
  const admin = kafkaClient().admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    await admin.deleteTopicRecords({
      topic,
      partitions: offsets.map(({ partition, high }) => ({ partition, offset: high })),
    });
    return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}
