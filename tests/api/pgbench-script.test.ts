// The bench's PostgreSQL reference runs the API's create-order statement in pgbench
// (bench/run/pgbench-script.ts writes it out from api/orders/orders.insert.ts): run once, it
// writes an order and an outbox event whose value is the order as the API answers it, so the
// reference measures the statement the API runs and cannot drift from it.
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { type OrderRow, toOrder } from "../../common/orders/order.ts";
import { ORDER_BODY } from "../../bench/lib/client.ts";
import { createOrderScript, findPgbench, PGBENCH_TOPIC } from "../../bench/run/pgbench-script.ts";
import { createTestApp, test } from "../helpers/app.ts";

const t = createTestApp();

test("the pgbench script writes the order and its event as the API does", async () => {
  const pgbench = await findPgbench();
  ok(pgbench, "pgbench is installed with PostgreSQL (scripts/services.sh)");
  const u = await t.user("pgbench");
  const script = await Deno.makeTempFile({ suffix: ".sql" });
  try {
    await Deno.writeTextFile(script, createOrderScript(t.deps.sql));
    const { code, stdout, stderr } = await new Deno.Command(pgbench, {
      args: ["-n", "-M", "prepared", "-t", "1", "-c", "1", "-D", `creator=${u.id}`, "-f", script],
      env: { PGDATABASE: Deno.env.get("DATABASE_URL")! },
    }).output();
    const out = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
    strictEqual(code, 0, out);
    const rows = await t.deps.sql<OrderRow[]>`select * from orders where creator_id = ${u.id}`;
    strictEqual(rows.length, 1, "one order per transaction");
    const order = toOrder(rows[0]);
    deepStrictEqual(order.items, ORDER_BODY.items);
    strictEqual(order.order_price, ORDER_BODY.order_price);
    strictEqual(order.id[14], "7", "a UUIDv7-like id");
    const events = await t.deps.sql<{ topic: string; record_value: string; state: string }[]>`
      select topic, record_value, state from outbox where record_key = ${order.id}`;
    strictEqual(events.length, 1);
    strictEqual(events[0].topic, PGBENCH_TOPIC);
    strictEqual(events[0].state, "sent", "no relay claims the reference's rows");
    deepStrictEqual(JSON.parse(events[0].record_value), order, "event value = the API's JSON");
  } finally {
    await Deno.remove(script);
    await t.deps.sql`delete from outbox where topic = ${PGBENCH_TOPIC}`;
    await t.deps.sql`delete from orders where creator_id = ${u.id}`;
  }
});
