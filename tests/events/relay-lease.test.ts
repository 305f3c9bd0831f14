// How the relay holds its rows: the Kafka send happens with no database transaction open (a
// claim is a lease, not a row lock); the claim query walks the pending index; a leader that
// loses its lock mid-drain stops publishing and another relay finishes, each row once.
import assert from "node:assert/strict";
import postgres from "postgres";
import { claimStatement } from "../../api/events/outbox-store.ts";
import { ORDER_TOPIC } from "../../common/events/order-created.ts";
import { localBroker } from "../helpers/broker.ts";
import { byEventId, collect } from "../helpers/kafka.ts";
import { connect, insertOrders, opts, relay, uniqueLockKey, waitFor } from "../helpers/events.ts";

const KAFKA_PID_FILE = ".data/run/kafka.pid";

Deno.test({
  name: "relay: the Kafka send runs outside any database transaction",
  ...opts,
  ignore: !localBroker,
}, async () => {
  // The relay's own pool, recognisable in pg_stat_activity.
  const app = `relay-test-${crypto.randomUUID().slice(0, 8)}`;
  const relaySql = connect(5, { connection: { application_name: app } });
  const sql = connect();
  const records = await (await collect(ORDER_TOPIC)).start();
  // A long sweep: the relay is woken by NOTIFY, and its idle probe of the broker (every sweep
  // interval) must not be the call that meets the frozen broker first.
  const r = relay(relaySql, uniqueLockKey(), 10_000);
  const kafkaPid = Number(Deno.readTextFileSync(KAFKA_PID_FILE).trim());
  let frozen = false;
  try {
    await r.start();
    const warmup = await insertOrders(sql, 1); // the producer knows the topic's partitions
    await waitFor("warm-up record", () => byEventId(records.records, [warmup[0].eventId]).size);

    // Freeze the broker: the relay's next send hangs until it is thawed.
    Deno.kill(kafkaPid, "SIGSTOP");
    frozen = true;
    const orders = await insertOrders(sql, 3);
    const ids = orders.map((o) => o.eventId);
    // The relay has taken the rows (claimed with a lease, or locked by a transaction).
    await waitFor(
      "the relay to take the rows",
      async () => {
        const [row] = await sql`
        select count(*) filter (where next_attempt_at > now())::int as leased
        from outbox where event_id = any(${ids}::uuid[])`;
        const free = await sql.begin((tx) =>
          tx`select id from outbox where event_id = any(${ids}::uuid[]) for update skip locked`
        );
        return row.leased === 3 || free.length < 3;
      },
      15_000,
      20,
    );

    // While the send hangs: no session of the relay is inside a transaction...
    const open = await sql`
      select state, xact_start from pg_stat_activity
      where application_name = ${app} and xact_start is not null`;
    assert.deepEqual([...open], [], "no transaction open during the send");
    // ...and no row lock is held, so no timeout can roll anything back.
    const locked = await sql.begin(async (tx) => {
      await tx`set local lock_timeout = 200`;
      return await tx`select id from outbox where event_id = any(${ids}::uuid[]) for update`;
    });
    assert.equal(locked.length, 3);

    Deno.kill(kafkaPid, "SIGCONT");
    frozen = false;
    await waitFor("3 records", () => byEventId(records.records, ids).size === 3, 60_000);
    await waitFor("marked sent", async () => {
      const [{ n }] = await sql`select count(*)::int as n from outbox
        where event_id = any(${ids}::uuid[]) and sent_at is not null`;
      return n === 3;
    }, 30_000);
    const found = byEventId(records.records, ids);
    assert.ok([...found.values()].every((copies) => copies.length === 1), "each exactly once");
  } finally {
    if (frozen) Deno.kill(kafkaPid, "SIGCONT");
    await r.stop();
    await records.stop();
    await Promise.all([sql.end(), relaySql.end()]);
  }
});

Deno.test("relay: the claim query walks the pending index, without sorting", opts, async () => {
  const sql = connect(1);
  try {
    // A realistic table: many published rows, a few pending ones. Rolled back afterwards,
    // statistics included.
    const plan = await sql.begin(async (tx) => {
      await tx`insert into outbox (event_id, topic, record_key, record_value, headers, state,
          sent_at)
        select gen_random_uuid(), 'explain-test', 'k', '{}', '{}'::jsonb, 'sent', now()
        from generate_series(1, 20000)`;
      await tx`insert into outbox (event_id, topic, record_key, record_value, headers)
        select gen_random_uuid(), 'explain-test', 'k', '{}', '{}'::jsonb
        from generate_series(1, 20)`;
      await tx`analyze outbox`;
      // A small table next to a pending index still large from an earlier backlog (pages are
      // only reused after vacuum) can make a sequential scan look cheaper: only here, since a
      // production outbox keeps days of sent rows. What matters is that the claim CAN walk the
      // index in order, with no sort (an `ORDER BY id` claim cannot).
      await tx`set local enable_seqscan = off`;
      const [row] = await tx`explain (format json) ${
        claimStatement(tx as unknown as postgres.Sql, 100, 60_000, crypto.randomUUID())
      }`;
      throw Object.assign(new Error("rollback"), { plan: row["QUERY PLAN"] });
    }).catch((error) => error.plan);
    assert.ok(plan, "got a plan");
    const nodes: Record<string, unknown>[] = [];
    const walk = (node: Record<string, unknown>) => {
      nodes.push(node);
      for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) walk(child);
    };
    walk(plan[0].Plan);
    const text = JSON.stringify(plan);
    assert.ok(
      nodes.some((n) =>
        n["Node Type"] === "Index Scan" && n["Index Name"] === "outbox_pending_idx"
      ),
      `an index scan of outbox_pending_idx: ${text}`,
    );
    assert.ok(!nodes.some((n) => n["Node Type"] === "Sort"), `no sort: ${text}`);
  } finally {
    await sql.end();
  }
});

Deno.test(
  "relay: a leader that loses its lock mid-drain stops; another finishes, each row once",
  opts,
  async () => {
    const [sqlA, sqlB, admin, sql] = [connect(), connect(), connect(1), connect()];
    const key = uniqueLockKey();
    const records = await (await collect(ORDER_TOPIC)).start();
    // Small batches: the drain of the backlog takes many of them.
    const more = { batchSize: 10 };
    // A relay that lost its lock may take it again after one sweep interval (and a second);
    // whether B has taken it by then depends on the machine's load. A's long sweep keeps it out
    // for the whole test, so "A publishes nothing after stepping down" is a property, not a race.
    // A still drains at once: it is woken by NOTIFY, and drains while its batches are full.
    const a = relay(sqlA, key, 120_000, undefined, more);
    const b = relay(sqlB, key, 300, undefined, more);
    try {
      await a.start();
      await waitFor("a leads", () => a.status().leader);
      await b.start();
      const orders = await insertOrders(sql, 1500);
      const ids = orders.map((o) => o.eventId);
      await waitFor("a mid-drain", () => a.status().published >= 50, 30_000, 5);

      const killed = await admin`select pg_terminate_backend(pid) from pg_locks
      where locktype = 'advisory' and granted and objsubid = 1
        and ((classid::bigint << 32) | objid::bigint) = ${key}::bigint`;
      assert.equal(killed.length, 1);
      await waitFor("a steps down", () => !a.status().leader, 10_000, 5);
      const publishedByA = a.status().published;
      assert.equal(typeof publishedByA, "number");
      assert.ok(publishedByA < 1500, `a was stopped mid-drain (${publishedByA} published)`);

      await waitFor("b takes over", () => b.status().leader, 30_000);
      await waitFor(
        "all 1500 records",
        () => byEventId(records.records, ids).size === 1500,
        60_000,
      );
      assert.equal(a.status().published, publishedByA, "a published nothing after stepping down");
      assert.ok(b.status().published > 0);
      const found = byEventId(records.records, ids);
      assert.ok([...found.values()].every((copies) => copies.length === 1), "each exactly once");
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      await records.stop();
      await Promise.all([sqlA.end(), sqlB.end(), admin.end(), sql.end()]);
    }
  },
);
