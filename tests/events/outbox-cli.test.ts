// `deno task outbox`: counts, the parked rows, and retrying them (one by id, or all), run as
// the operator runs it; a retried row is then published by the relay.
import assert from "node:assert/strict";
import { ORDER_TOPIC } from "../../common/events/order-created.ts";
import { byEventId, collect } from "../helpers/kafka.ts";
import { connect, insertOrders, opts, relay, uniqueLockKey, waitFor } from "../helpers/events.ts";

async function outbox(...args: string[]) {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["task", "-q", "outbox", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code,
    out: new TextDecoder().decode(stdout),
    err: new TextDecoder().decode(stderr),
  };
}

Deno.test("deno task outbox: status, list and retry of parked rows", opts, async () => {
  const sql = connect();
  const records = await (await collect(ORDER_TOPIC)).start();
  const orders = await insertOrders(sql, 3);
  const ids = orders.map((o) => o.eventId);
  // As if each had failed OUTBOX_MAX_ATTEMPTS times (say, while the topic was missing).
  const parked = await sql<{ id: string }[]>`
    update outbox set state = 'parked', attempts = 10, last_error = 'KafkaJSProtocolError: test'
    where event_id = any(${ids}::uuid[]) returning id::text`;
  const rowIds = parked.map((row) => row.id).sort((a, b) => Number(a) - Number(b));
  const r = relay(sql, uniqueLockKey(), 300);
  try {
    const status = await outbox();
    assert.equal(status.code, 0, status.err);
    const count = Number(/parked\s+(\d+)/.exec(status.out)?.[1]);
    assert.ok(count >= 3, status.out);
    assert.match(status.out, /pending\s+\d+ \(\d+ due now\)/);

    const list = await outbox("list", "--limit", "100000");
    assert.equal(list.code, 0, list.err);
    const listed = list.out.trim().split("\n").map((line) => JSON.parse(line));
    const mine = listed.filter((row) => ids.includes(row.event_id));
    assert.equal(mine.length, 3);
    assert.deepEqual(Object.keys(mine[0]).sort(), [
      "attempts",
      "created_at",
      "event_id",
      "id",
      "last_error",
      "record_key",
      "topic",
    ]);
    assert.equal(mine[0].last_error, "KafkaJSProtocolError: test");
    assert.equal(mine[0].attempts, 10);

    await r.start();
    // One by id: only that row goes back to the relay and is published.
    const one = await outbox("retry", rowIds[0]);
    assert.equal(one.code, 0, one.err);
    assert.match(one.out, new RegExp(`retried 1 parked row\\(s\\): ${rowIds[0]}`));
    const first = orders.find((o) => o.eventId === mine.find((m) => m.id === rowIds[0]).event_id)!;
    await waitFor(
      "the retried row published",
      () => byEventId(records.records, [first.eventId]).size,
    );
    // Kafka has the record before the relay marks the row sent.
    const states = await waitFor("the retried row marked sent", async () => {
      const rows = await sql`select id::text, state, attempts from outbox
        where id = any(${rowIds}::bigint[]) order by id`;
      return rows[0].state === "sent" && rows;
    });
    assert.deepEqual(states.map((s) => s.state), ["sent", "parked", "parked"]);
    assert.equal(states[0].attempts, 0);

    // A row that is not parked (any more) is reported, with exit code 1.
    const again = await outbox("retry", rowIds[0]);
    assert.equal(again.code, 1);
    assert.match(again.err, /not parked/);

    // All: the other two.
    const all = await outbox("retry", "--all");
    assert.equal(all.code, 0, all.err);
    await waitFor("all three published", () => byEventId(records.records, ids).size === 3);
    const found = byEventId(records.records, ids);
    assert.ok([...found.values()].every((copies) => copies.length === 1), "each once");

    const bad = await outbox("retry");
    assert.equal(bad.code, 2);
    assert.match(bad.err, /usage/);
  } finally {
    await r.stop();
    await records.stop();
    // Whatever happened, no row of this test is left pending or parked for later tests.
    await sql`delete from outbox where event_id = any(${ids}::uuid[])`;
    await sql.end();
  }
});
