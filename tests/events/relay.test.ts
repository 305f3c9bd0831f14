// The outbox relay against the real database and broker: record format, and one publisher
// among several relays, including a takeover when the leader's lock session dies.
import assert from "node:assert/strict";
import { ORDER_TOPIC, OrderCreatedValue } from "../../common/events/order-created.ts";
import { byEventId, collect } from "../helpers/kafka.ts";
import { connect, insertOrders, opts, relay, uniqueLockKey, waitFor } from "../helpers/events.ts";

Deno.test(
  "relay publishes each outbox row once, with the spec's key, value and headers",
  opts,
  async () => {
    const sql = connect();
    const records = await collect(ORDER_TOPIC);
    await records.start();
    const r = relay(sql, uniqueLockKey());
    try {
      await r.start();
      // Rows that earlier tests left unsent (an in-process app runs no relay) are this relay's to
      // publish too: count from when they are out.
      await waitFor("earlier tests' rows published", async () => {
        const [{ pending }] = await sql`
          select count(*)::int as pending from outbox where state = 'pending'`;
        return pending === 0;
      });
      const before = r.status().published;
      const orders = await insertOrders(sql, 5);
      const found = await waitFor("5 records", () => {
        const found = byEventId(records.records, orders.map((o) => o.eventId));
        return found.size === 5 && found;
      });
      for (const order of orders) {
        const [record, ...extra] = found.get(order.eventId)!;
        assert.equal(extra.length, 0, "published once");
        assert.equal(record.key, order.orderId);
        assert.equal(record.value, order.value);
        assert.deepEqual(record.headers, {
          "event-id": order.eventId,
          "event-type": "order.created",
          "event-version": "1",
          "content-type": "application/json",
        });
        // What the original service's consumers read is there, and the shared schema accepts it.
        const value = OrderCreatedValue.parse(JSON.parse(record.value));
        assert.equal(value.id, order.orderId);
        assert.ok(value.creator_id && value.items && value.created_at);
      }
      const rows = await sql`select sent_at, attempts from outbox
      where event_id = any(${orders.map((o) => o.eventId)}::uuid[])`;
      assert.ok(rows.every((row) => row.sent_at !== null && row.attempts === 0));
      assert.deepEqual({ ...r.status(), pending: 0, parked: 0 }, {
        producer: "connected",
        leader: true,
        pending: 0,
        parked: 0,
        published: before + 5,
      });
    } finally {
      await r.stop();
      await records.stop();
      await sql.end();
    }
  },
);

Deno.test(
  "two relays: one leader, every row published once, takeover when it dies",
  opts,
  async () => {
    // Two pools stand for two API processes.
    const sqlA = connect();
    const sqlB = connect();
    const admin = connect(1);
    const key = uniqueLockKey();
    const records = await collect(ORDER_TOPIC);
    await records.start();
    const [a, b] = [relay(sqlA, key, 300), relay(sqlB, key, 300)];
    try {
      await Promise.all([a.start(), b.start()]);
      await waitFor("a leader", () => a.status().leader || b.status().leader);
      const first = (await Promise.all([insertOrders(sqlA, 30), insertOrders(sqlB, 30)])).flat();
      await waitFor(
        "60 records",
        () => byEventId(records.records, first.map((o) => o.eventId)).size === 60,
      );
      assert.notEqual(a.status().leader, b.status().leader, "exactly one leader");

      // Kill the leader's lock session: PostgreSQL frees the lock and the other relay takes over.
      const [leader, follower] = a.status().leader ? [a, b] : [b, a];
      const killed = await admin`select pg_terminate_backend(pid) from pg_locks
      where locktype = 'advisory' and granted and objsubid = 1
        and ((classid::bigint << 32) | objid::bigint) = ${key}::bigint`;
      assert.equal(killed.length, 1);
      await waitFor("takeover", () => follower.status().leader, 10_000);
      await waitFor("old leader steps down", () => !leader.status().leader, 10_000);

      const second = await insertOrders(sqlA, 20);
      const all = [...first, ...second].map((o) => o.eventId);
      await waitFor("80 records", () => byEventId(records.records, all).size === 80);
      const found = byEventId(records.records, all);
      assert.ok([...found.values()].every((copies) => copies.length === 1), "each exactly once");
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      await records.stop();
      await Promise.all([sqlA.end(), sqlB.end(), admin.end()]);
    }
  },
);

Deno.test("a failed publish keeps the row, counts the attempt and backs off", opts, async () => {
  const sql = connect();
  const r = relay(sql, uniqueLockKey(), 300, { baseMs: 30_000, maxMs: 60_000 });
  const eventId = crypto.randomUUID();
  try {
    // A topic that does not exist (the broker does not auto-create): every send fails.
    await sql`insert into outbox (event_id, topic, record_key, record_value, headers)
      values (${eventId}, ${`events-test.missing-${eventId}`}, 'k', '{}', '{}'::jsonb)`;
    await r.start();
    const [row] = await waitFor(
      "an attempt",
      async () => {
        const rows =
          await sql`select attempts, last_error, sent_at, next_attempt_at > now() as later
        from outbox where event_id = ${eventId}`;
        return rows[0].attempts > 0 && rows;
      },
      60_000,
      100,
    );
    assert.equal(row.sent_at, null);
    assert.ok(row.last_error, "last_error recorded");
    assert.ok(row.later, "next attempt scheduled in the future");
  } finally {
    await r.stop();
    await sql`delete from outbox where event_id = ${eventId}`;
    await sql.end();
  }
});
