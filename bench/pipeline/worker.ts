// The bench's own worker process (a fresh consumer group per scenario) and the probe that
// proves the whole event path works before anything is measured.
import { type BenchUser, ORDER_BODY } from "../lib/client.ts";
import { freePort, type Service, sleep, spawnService, waitForHttp } from "../lib/proc.ts";
import { Kafka, logLevel } from "kafkajs";
import { ORDER_TOPIC } from "../../common/events/order-created.ts";
import type { PipelineContext } from "./types.ts";

/**
 * A brand-new group starts from the earliest offset (the worker's first-deploy rule), which
 * would replay the local topic's whole history before the bench's orders. The bench measures
 * new orders, so its group starts at the end: commit the current end offsets for it first.
 */
async function startGroupAtEnd(groupId: string, brokers: string) {
  const admin = new Kafka({
    clientId: groupId,
    brokers: brokers.split(","),
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(ORDER_TOPIC);
    await admin.setOffsets({
      groupId,
      topic: ORDER_TOPIC,
      partitions: ends.map(({ partition, high }) => ({ partition, offset: high })),
    });
  } finally {
    await admin.disconnect();
  }
}

export interface Handled {
  timeMs: number;
  eventId: string;
  outcome: string;
}

export interface Worker {
  service: Service;
  handled: Handled[];
  groupId: string;
}

export async function startWorker(
  ctx: PipelineContext,
  label: string,
  settings: Record<string, string>,
): Promise<Worker> {
  const groupId = `bench-${ctx.runId}-${label}`;
  const healthPort = freePort();
  const handled: Handled[] = [];
  await startGroupAtEnd(groupId, ctx.env.KAFKA_BROKERS);
  const service = spawnService({
    name: `worker (${label})`,
    cmd: "bun",
    args: ["run", "worker"],
    env: {
      ...ctx.env,
      ...settings,
      KAFKA_GROUP_ID: groupId,
      KAFKA_CLIENT_ID: groupId,
      WORKER_HEALTH_PORT: String(healthPort),
      // One `record handled` line per record: the completion timestamps we measure with.
      LOGGING_LVL: "DEBUG",
    },
    onLine(line) {
      if (!line.includes('"record handled"')) return;
      try {
        const entry = JSON.parse(line);
        if (entry.msg !== "record handled" || !entry.eventId) return;
        handled.push({
          timeMs: Date.parse(entry.time),
          eventId: entry.eventId,
          outcome: entry.outcome,
        });
      } catch { /* not a JSON log line */ }
    },
  });
  await waitForHttp(`http://127.0.0.1:${healthPort}/internal/alive`, service, {
    status: 204,
    timeoutMs: 45_000,
  });
  return { service, handled, groupId };
}

/**
 * Creates probe orders until the worker has handled one: proves API → outbox → relay → Kafka
 * → this worker's group works before anything is measured. Returns a reason on failure.
 */
export async function probe(
  ctx: PipelineContext,
  worker: Worker,
  user: BenchUser,
  timeoutMs: number,
) {
  const deadline = Date.now() + timeoutMs;
  const eventIds = new Set<string>();
  const orderIds: string[] = [];
  while (Date.now() < deadline) {
    const order = await ctx.api.createOrder(user.token, ORDER_BODY);
    orderIds.push(order.id);
    const [row] = await ctx.sql<{ event_id: string }[]>`
      select event_id::text from outbox where record_key = ${order.id}`;
    if (row) eventIds.add(row.event_id);
    const until = Math.min(deadline, Date.now() + 5_000);
    while (Date.now() < until) {
      if (worker.handled.some((h) => eventIds.has(h.eventId))) return null;
      await sleep(50);
    }
  }
  const [sent] = await ctx.sql<{ sent: number }[]>`
    select count(*)::int as sent from outbox
    where record_key = any(${orderIds}) and sent_at is not null`;
  const [done] = await ctx.sql<{ done: number }[]>`
    select count(*)::int as done from processed_events where order_id = any(${orderIds})`;
  if (done && done.done > 0) {
    return "probe orders reached processed_events, but the bench worker logged no " +
      "`record handled` line for them (the bench times records with the worker's debug log):\n" +
      worker.service.tail();
  }
  if (!sent || sent.sent === 0) {
    return `no probe order was published to Kafka within ${timeoutMs / 1000} s (outbox rows ` +
      "still unsent): is the outbox relay running in the API and is Kafka up?";
  }
  return `probe orders were published but the bench worker (group ${worker.groupId}) did not ` +
    `handle any within ${timeoutMs / 1000} s:\n${worker.service.tail()}`;
}
