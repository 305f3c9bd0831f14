// Faults of our own processes and of the event path: kills and stops of the API and the worker,
// a first deploy with a brand-new consumer group, a poison outbox row, a worker rebalance.
import { ORDER_TOPIC, orderCreatedHeaders } from "../../common/events/order-created.ts";
import { settings, sleep, until } from "./env.ts";
import { workerSlot } from "./procs.ts";
import type { Run, Scenario } from "./scenario.ts";
import { groupExists, truncateTopic, withSql } from "./verify.ts";

export const firstDeploy: Scenario = {
  name: "first deploy, new consumer group",
  preMs: 4_000,
  // Earlier runs' records would make the new group's replay unbounded; they were processed.
  async before(notes) {
    notes.push(`${await truncateTopic(ORDER_TOPIC)} older records deleted from the topic first`);
  },
  // The worker has not run yet: orders created now exist before its group does.
  async fault(run) {
    const { cluster, load, notes } = run;
    if (await groupExists(cluster.groupId)) notes.push(`group ${cluster.groupId} existed already`);
    const before = [...load.acked.values()];
    const published = await until(
      () =>
        withSql(async (sql) => {
          const [row] = await sql<{ unsent: number }[]>`
          select count(*)::int as unsent from outbox
          where sent_at is null and record_key = any(${before})`;
          return row.unsent === 0;
        }),
      30_000,
      250,
    );
    notes.push(
      `${before.length} orders ${published ? "were" : "NOT all"} on the topic before ` +
        `the group existed`,
    );
    await cluster.workers[0].start();
  },
};

export const processFaults: Scenario[] = [
  {
    name: "worker SIGKILL",
    async fault({ cluster }) {
      await cluster.workers[0].kill("SIGKILL");
      await cluster.workers[0].start();
    },
  },
  {
    name: "API SIGKILL",
    async fault({ cluster }) {
      await cluster.apis[0].kill("SIGKILL");
      await cluster.apis[0].start();
    },
  },
  {
    name: "API SIGTERM",
    async fault({ cluster, notes }) {
      const started = Date.now();
      const code = await cluster.apis[0].kill("SIGTERM", 30_000);
      notes.push(`API exited ${code} ${Date.now() - started} ms after SIGTERM`);
      await cluster.apis[0].start();
    },
  },
];

/** One unpublishable row (a value over Kafka's 1 MB record limit) amid 99 good orders. */
export const poisonRow: Scenario = {
  name: "poison outbox row among 99 good",
  async fault(run) {
    const userId = crypto.randomUUID();
    const poisonId = crypto.randomUUID();
    const ids = await withSql((sql) =>
      sql.begin(async (tx) => {
        await tx`insert into users (id, email, password_hash)
          values (${userId}, ${`chaos-poison-${userId}@example.test`}, 'x')`;
        const ids: string[] = [];
        for (let i = 0; i < 100; i++) {
          const eventId = i === 49 ? poisonId : crypto.randomUUID();
          let key = crypto.randomUUID(), value = "x".repeat(2_000_000);
          if (i !== 49) {
            const [order] = await tx`
              insert into orders (id, creator_id, items, order_price)
              values (${key}, ${userId}, ${tx.json({ chaos: i })}, 1.5)
              returning id, creator_id, items, order_price::float8 as order_price, status,
                created_at, updated_at`;
            value = JSON.stringify({
              ...order,
              created_at: order.created_at.toISOString(),
              updated_at: order.updated_at.toISOString(),
            });
            key = order.id;
            ids.push(order.id);
          }
          await tx`insert into outbox (event_id, topic, record_key, record_value, headers)
            values (${eventId}, ${ORDER_TOPIC}, ${key}, ${value},
              ${tx.json(orderCreatedHeaders(eventId))})`;
        }
        return ids;
      })
    );
    run.addOrders(userId, ids);
    poisonIds.set(run, poisonId);
  },
  // Afterwards: wait (bounded) for the relay to park the poison row (the suite's API runs
  // with OUTBOX_MAX_ATTEMPTS=3), note how it was left, then delete it so later rows are not
  // held back by it on a relay that cannot isolate it.
  async afterSettle(run) {
    const eventId = poisonIds.get(run) ?? null;
    const state = () =>
      withSql(async (sql) => {
        const [row] = await sql<{ row: Record<string, unknown> }[]>`
          select to_jsonb(outbox) - 'record_value' - 'headers' as row
          from outbox where event_id = ${eventId}`;
        return row?.row;
      });
    await until(async () => (await state())?.state === "parked", 30_000, 500);
    run.notes.push(`poison row as the relay left it: ${JSON.stringify(await state())}`);
    await withSql((sql) => sql`delete from outbox where event_id = ${eventId}`);
  },
};
const poisonIds = new WeakMap<Run, string>();

/** Two more workers join the group mid-run (a rebalance), then leave it again. */
export const rebalance: Scenario = {
  name: "three-worker rebalance",
  async fault(run) {
    const extras = ["worker-2", "worker-3"].map((name) => workerSlot(name, run.cluster.groupId));
    run.extras.push(...extras);
    await Promise.all(extras.map((slot) => slot.start()));
    await sleep(Math.max(3_000, settings.sessionTimeoutMs / 2));
    for (const slot of extras) await slot.kill("SIGTERM");
  },
};
