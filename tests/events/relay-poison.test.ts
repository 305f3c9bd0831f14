// One unpublishable outbox row among good ones: the good ones are published, the bad one is
// retried on its own and parked after OUTBOX_MAX_ATTEMPTS, with its error.
import assert from "node:assert/strict";
import { ORDER_TOPIC, orderCreatedHeaders } from "../../common/events/order-created.ts";
import { byEventId, collect } from "../helpers/kafka.ts";
import { connect, insertOrders, opts, relay, uniqueLockKey, waitFor } from "../helpers/events.ts";

type Sql = ReturnType<typeof connect>;

/** An outbox row Kafka will refuse: a topic that does not exist, or a record too large. */
async function insertPoison(sql: Sql, kind: "missing-topic" | "too-large") {
  const eventId = crypto.randomUUID();
  const topic = kind === "missing-topic" ? `events-test.missing-${eventId}` : ORDER_TOPIC;
  // The broker's default max.message.bytes is about 1 MiB.
  const value = kind === "too-large" ? JSON.stringify({ pad: "x".repeat(1_200_000) }) : "{}";
  await sql`insert into outbox (event_id, topic, record_key, record_value, headers)
    values (${eventId}, ${topic}, ${eventId}, ${value}, ${sql.json(orderCreatedHeaders(eventId))})`;
  return eventId;
}

async function poisonRow(sql: Sql, eventId: string) {
  const [row] = await sql`select state, attempts, last_error, sent_at from outbox
    where event_id = ${eventId}`;
  return row;
}

for (
  const [kind, good] of [["missing-topic", 99], ["too-large", 19]] as const
) {
  Deno.test(
    `relay: a poison row (${kind}) among ${good} good ones is parked; the others are published`,
    opts,
    async () => {
      const sql = connect();
      const records = await (await collect(ORDER_TOPIC)).start();
      // One batch holds them all, so the poison row fails the first batch of the good ones.
      const r = relay(sql, uniqueLockKey(), 300, { baseMs: 50, maxMs: 200 }, {
        batchSize: 200,
        maxAttempts: 3,
      });
      let poison = "";
      try {
        // Poison first (lowest id), then the good rows; the relay starts after both.
        poison = await insertPoison(sql, kind);
        const orders = await insertOrders(sql, good);
        const ids = orders.map((o) => o.eventId);
        await r.start();
        await waitFor(
          `${good} good records`,
          () => byEventId(records.records, ids).size === good,
          60_000,
        );
        const row = await waitFor(
          "the poison row parked",
          async () => {
            const row = await poisonRow(sql, poison);
            return row.state === "parked" && row;
          },
          60_000,
          100,
        );
        assert.equal(row.attempts, 3);
        assert.equal(row.sent_at, null);
        assert.match(
          row.last_error,
          kind === "missing-topic"
            ? /does not host this topic/
            : /larger than the max message size/,
        );
        const [{ sent }] = await sql`select count(*)::int as sent from outbox
        where event_id = any(${ids}::uuid[]) and state = 'sent' and sent_at is not null`;
        assert.equal(sent, good);
        // The relay counts parked rows after each drain (readiness reports them).
        await waitFor("the relay to count it", () => (r.status().parked ?? 0) >= 1, 10_000);
        assert.equal(r.status().producer, "connected", "a poison row is no Kafka outage");
        // A parked row is left alone: no more attempts.
        await r.stop();
        assert.equal((await poisonRow(sql, poison)).attempts, 3);
      } finally {
        await r.stop();
        await records.stop();
        await sql`delete from outbox where event_id = ${poison}`;
        await sql.end();
      }
    },
  );
}
