// Orders created together share one INSERT (api/orders/orders.batch.ts), on real PostgreSQL:
// each request gets its own order and event, a bad order or a passed deadline fails only its
// own request, and a request cut off at its deadline cannot cancel the others'.
import { deepStrictEqual, ok, rejects, strictEqual } from "node:assert/strict";
import { createTestApp, test } from "../helpers/app.ts";
import { waitFor } from "../helpers/wait.ts";
import { createOrderInserts } from "../../api/orders/orders.batch.ts";
import { createSql } from "../../api/platform/db.ts";
import {
  abandonQueries,
  RequestAbandonedError,
  type RequestScope,
  runInScope,
} from "../../api/request-deadline/scope.ts";

const order = (creatorId: string, n: number) => ({
  creatorId,
  items: { n },
  orderPrice: n + 0.25,
  traceparent: `00-${n.toString(16).padStart(32, "0")}-00f067aa0ba902b7-01`,
});

/** Holds the user's count rows in a transaction, so a batch's count trigger waits on them
 * (in PostgreSQL, with the batch's statement sent); resolves to the release. */
async function holdCountRows(t: ReturnType<typeof createTestApp>, userId: string) {
  const { sql } = t.deps;
  await sql`
    insert into order_counts (creator_id, shard, n)
    select ${userId}, s, 0 from generate_series(0, 7) s on conflict do nothing`;
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let holding!: () => void;
  const held = new Promise<void>((resolve) => (holding = resolve));
  const holder = sql.begin(async (tx) => {
    await tx`select 1 from order_counts where creator_id = ${userId} for update`;
    holding();
    await released;
  });
  await held;
  return async () => {
    release();
    await holder;
  };
}

/** Until a batch statement waits on a lock. */
function batchWaiting(t: ReturnType<typeof createTestApp>) {
  return waitFor(async () => {
    const [{ waiting }] = await t.deps.sql<{ waiting: number }[]>`
      select count(*)::int as waiting from pg_stat_activity
      where wait_event_type = 'Lock' and query like '%jsonb_to_recordset%'`;
    return waiting > 0;
  }, { what: "the batch waiting on the held count rows" });
}

test("orders sent together share statements, and each request gets its own order and event", async () => {
  const t = createTestApp();
  try {
    const u = await t.user("batch");
    const responses = await Promise.all(
      Array.from(
        { length: 60 },
        (_, n) => t.json("POST", "/orders", { items: { n }, order_price: n + 0.5 }, u.token),
      ),
    );
    const created = await Promise.all(responses.map((r) => r.json()));
    responses.forEach((r, n) => {
      strictEqual(r.status, 201);
      deepStrictEqual(created[n].items, { n });
      strictEqual(created[n].order_price, n + 0.5);
      strictEqual(r.headers.get("Location"), `/orders/${created[n].id}`);
    });
    const ids = created.map((o) => o.id as string);
    const { sql } = t.deps;
    // One transaction (xmin) per statement: fewer than one per order.
    const [{ statements }] = await sql<{ statements: number }[]>`
      select count(distinct xmin::text)::int as statements from orders where id = any(${ids})`;
    ok(statements < ids.length, `${statements} statements for ${ids.length} orders`);
    const events = await sql<
      {
        record_key: string;
        record_value: string;
        event_id: string;
        headers: Record<string, string>;
      }[]
    >`
      select record_key, record_value, event_id, headers from outbox
      where record_key = any(${ids}) and topic = 'new_order'`;
    strictEqual(events.length, ids.length, "one event per order");
    for (const event of events) {
      deepStrictEqual(JSON.parse(event.record_value), created[ids.indexOf(event.record_key)]);
      strictEqual(event.headers["event-id"], event.event_id);
      strictEqual(event.headers["event-type"], "order.created");
    }
    strictEqual(new Set(events.map((e) => e.event_id)).size, ids.length, "distinct event ids");
  } finally {
    await t.close();
  }
});

test("a batch with a bad order fails only that order's request; each keeps its trace context", async () => {
  const t = createTestApp();
  try {
    const u = await t.user("batch-bad");
    const inserts = createOrderInserts(t.deps.sql, { maxInFlight: 1 });
    const unknownUser = crypto.randomUUID(); // the foreign key refuses it (23503)
    // Sent in one turn, so in one batch: refused as a whole, then retried order by order.
    const results = await Promise.allSettled(
      [u.id, u.id, unknownUser, u.id, u.id, u.id].map((id, n) => inserts.insert(order(id, n))),
    );
    strictEqual(results.filter((r) => r.status === "fulfilled").length, 5);
    const failed = results[2];
    ok(failed.status === "rejected" && (failed.reason as { code?: string }).code === "23503");
    const ids = results.flatMap((r) => r.status === "fulfilled" ? [r.value.order.id] : []);
    const rows = await t.deps.sql<{ record_key: string; traceparent: string }[]>`
      select record_key, traceparent from outbox where record_key = any(${ids})`;
    for (const row of rows) {
      const n = ids.indexOf(row.record_key);
      const sent = [0, 1, 3, 4, 5][n];
      strictEqual(row.traceparent, order(u.id, sent).traceparent);
    }
    strictEqual(rows.length, 5);
  } finally {
    await t.close();
  }
});

test("an order past its request's deadline is not written; the others of its batch are", async () => {
  const t = createTestApp();
  try {
    const u = await t.user("batch-deadline");
    const inserts = createOrderInserts(t.deps.sql);
    const late: RequestScope = { abandoned: false, deadline: Date.now() - 1 };
    const first = inserts.insert(order(u.id, 0));
    const past = runInScope(late, () => inserts.insert(order(u.id, 1)));
    const last = inserts.insert(order(u.id, 2));
    await rejects(past, RequestAbandonedError);
    const written = await Promise.all([first, last]);
    deepStrictEqual(written.map((w) => w.order.items), [{ n: 0 }, { n: 2 }]);
    const [{ n }] = await t.deps.sql<{ n: number }[]>`
      select count(*)::int as n from orders where creator_id = ${u.id}`;
    strictEqual(n, 2);
  } finally {
    await t.close();
  }
});

test("a request cut off at its deadline cancels no other order of the batch it started", async () => {
  const t = createTestApp();
  const { sql } = t.deps;
  let releaseHeld = async () => {};
  try {
    const u = await t.user("batch-cut-off");
    releaseHeld = await holdCountRows(t, u.id);
    const inserts = createOrderInserts(sql);
    const cutOff: RequestScope = { abandoned: false, deadline: Date.now() + 60_000 };
    // The cut-off request's order comes first: its turn of the event loop sends the batch.
    const abandoned = runInScope(cutOff, () => inserts.insert(order(u.id, 0)));
    const other = inserts.insert(order(u.id, 1));
    await batchWaiting(t);
    abandonQueries(cutOff); // what the deadline middleware does to a request cut off
    await releaseHeld();
    const written = await Promise.all([abandoned, other]);
    deepStrictEqual(written.map((w) => w.order.items), [{ n: 0 }, { n: 1 }]);
  } finally {
    await releaseHeld();
    await t.close();
  }
});

test("while a batch hangs, waiting orders whose requests were answered 503 are dropped", async () => {
  const t = createTestApp();
  let releaseHeld = async () => {};
  try {
    const u = await t.user("batch-hang");
    releaseHeld = await holdCountRows(t, u.id);
    const inserts = createOrderInserts(t.deps.sql, { maxInFlight: 1, maxBatch: 2 });
    const hanging = inserts.insert(order(u.id, 0));
    hanging.catch(() => {}); // awaited below; a failure must not go unhandled meanwhile
    await batchWaiting(t);
    const soon: RequestScope = { abandoned: false, deadline: Date.now() + 50 };
    const expired = [1, 2].map((n) => runInScope(soon, () => inserts.insert(order(u.id, n))));
    await waitFor(() => Date.now() > soon.deadline, { what: "the two requests' deadline" });
    const next = inserts.insert(order(u.id, 3)); // a batch's worth waits: the queue is swept
    // Bounded: without the sweep they would wait for the hung batch.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const outcome = await Promise.race([
      Promise.allSettled(expired),
      new Promise<"still waiting">((resolve) =>
        timer = setTimeout(resolve, 2_000, "still waiting")
      ),
    ]);
    clearTimeout(timer);
    ok(Array.isArray(outcome), "the two orders were dropped while the batch hung");
    for (const result of outcome) {
      ok(result.status === "rejected" && result.reason instanceof RequestAbandonedError);
    }
    await releaseHeld();
    deepStrictEqual((await hanging).order.items, { n: 0 });
    deepStrictEqual((await next).order.items, { n: 3 });
  } finally {
    await releaseHeld();
    await t.close();
  }
});

test("a batch that waits on a lock past its orders' deadline is cancelled, commits none of them", async () => {
  const t = createTestApp();
  let releaseHeld = async () => {};
  try {
    const u = await t.user("batch-late-lock");
    releaseHeld = await holdCountRows(t, u.id);
    const inserts = createOrderInserts(t.deps.sql, { maxInFlight: 1 });
    // Both in one batch: the first request's deadline comes soon, the second's much later.
    const soon: RequestScope = { abandoned: false, deadline: Date.now() + 300 };
    const later: RequestScope = { abandoned: false, deadline: Date.now() + 60_000 };
    const late = runInScope(soon, () => inserts.insert(order(u.id, 0)));
    const patient = runInScope(later, () => inserts.insert(order(u.id, 1)));
    for (const pending of [late, patient]) pending.catch(() => {}); // awaited below
    // The rows were inserted before the deadline; the statement waits in its count trigger.
    await batchWaiting(t);
    await rejects(late, RequestAbandonedError);
    await releaseHeld();
    // The patient order went again on its own, and only it was written.
    deepStrictEqual((await patient).order.items, { n: 1 });
    const rows = await t.deps.sql<{ items: unknown }[]>`
      select items from orders where creator_id = ${u.id}`;
    deepStrictEqual(rows.map((r) => r.items), [{ n: 1 }]);
  } finally {
    await releaseHeld();
    await t.close();
  }
});

/** The promise, or a rejection once `ms` have passed: a hang fails the test instead of the run. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still pending after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A request scope whose deadline is far off. */
const patientScope = (): RequestScope => ({ abandoned: false, deadline: Date.now() + 60_000 });

/** The `n` of every order the user has in PostgreSQL, sorted. */
async function committedNumbers(t: ReturnType<typeof createTestApp>, userId: string) {
  const rows = await t.deps.sql<{ items: { n: number } }[]>`
    select items from orders where creator_id = ${userId}`;
  return rows.map((r) => r.items.n).sort();
}

test("a batch past its deadline while sent behind another statement is cancelled once it runs, and no reply goes astray", async () => {
  const t = createTestApp();
  // One connection: postgres.js pipelines the batch, then a query, behind a running statement.
  const db = createSql(t.config.db, { max: 1, applicationName: "order-batch-pipelined-test" });
  const queries: { executed?: boolean; state?: unknown; active?: boolean }[] = [];
  const watched = new Proxy(db, {
    apply(target, self, args) {
      const query = Reflect.apply(target, self, args);
      queries.push(query);
      return query;
    },
  });
  let releaseHeld = async () => {};
  let sleeping: Promise<unknown> = Promise.resolve();
  try {
    const u = await t.user("batch-pipelined");
    const inserts = createOrderInserts(watched, { maxInFlight: 1 });
    // Prepared on the connection by a first batch, so the next is pipelined without a describe.
    await runInScope(patientScope(), () => inserts.insert(order(u.id, 9)));
    releaseHeld = await holdCountRows(t, u.id);
    sleeping = db`select pg_sleep(0.5)`.execute();
    const soon: RequestScope = { abandoned: false, deadline: Date.now() + 150 };
    const late = runInScope(soon, () => inserts.insert(order(u.id, 0)));
    const patient = runInScope(patientScope(), () => inserts.insert(order(u.id, 1)));
    for (const pending of [late, patient]) pending.catch(() => {}); // awaited below
    await waitFor(() => queries.some((q) => q.executed && q.state && !q.active), {
      what: "the batch sent behind the sleep",
    });
    const after = db<{ x: number }[]>`select 42 as x`.execute();
    after.catch(() => {}); // awaited below
    // Its deadline passed while it waited its turn; it ran into the held count rows, then.
    await rejects(within(late, 10_000, "the late order"), RequestAbandonedError);
    deepStrictEqual([...await within(after, 10_000, "the query after the batch")], [{ x: 42 }]);
    await releaseHeld();
    deepStrictEqual((await within(patient, 10_000, "the patient order")).order.items, { n: 1 });
    deepStrictEqual(await committedNumbers(t, u.id), [1, 9]);
  } finally {
    await releaseHeld();
    await sleeping.catch(() => {});
    await db.end({ timeout: 1 });
    await t.close();
  }
});

test("a batch stopped by a cancel it did not ask for wrote nothing, and its orders go again one by one", async () => {
  const t = createTestApp();
  let releaseHeld = async () => {};
  try {
    const u = await t.user("batch-stray-cancel");
    releaseHeld = await holdCountRows(t, u.id);
    const inserts = createOrderInserts(t.deps.sql, { maxInFlight: 1 });
    const created = [1, 2].map((n) =>
      runInScope(patientScope(), () => inserts.insert(order(u.id, n)))
    );
    for (const pending of created) pending.catch(() => {}); // awaited below
    await batchWaiting(t);
    // A cancel sent for the statement before it on the connection, arriving late, stops this one.
    const [waiting] = await t.deps.sql<{ pid: number; started: Date }[]>`
      select pid, query_start as started from pg_stat_activity
      where wait_event_type = 'Lock' and query like '%jsonb_to_recordset%'`;
    await t.deps.sql`select pg_cancel_backend(${waiting.pid})`;
    await waitFor(async () => {
      const [{ still }] = await t.deps.sql<{ still: number }[]>`
        select count(*)::int as still from pg_stat_activity
        where pid = ${waiting.pid} and query_start = ${waiting.started}
          and wait_event_type = 'Lock'`;
      return still === 0;
    }, { what: "the cancelled batch to end" });
    await releaseHeld();
    const written = await Promise.all(
      created.map((pending, i) => within(pending, 10_000, `order ${i + 1}`)),
    );
    deepStrictEqual(written.map((w) => w.order.items), [{ n: 1 }, { n: 2 }]);
    deepStrictEqual(await committedNumbers(t, u.id), [1, 2]);
  } finally {
    await releaseHeld();
    await t.close();
  }
});
