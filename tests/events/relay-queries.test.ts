// What one relay wake-up costs in statements under a steady stream (each is a round trip on the
// relay's pool, and at a few rows per wake-up they are most of the event latency): a claim, a
// send and a mark per batch; the leadership check runs alongside the claim, and the outbox is
// counted about once a second rather than after every drain. A failed leadership check gives
// the claimed rows back unpublished.
import assert from "node:assert/strict";
import { ORDER_TOPIC } from "../../common/events/order-created.ts";
import { publishBatch, type Sender } from "../../api/events/outbox-publish.ts";
import { byEventId, collect } from "../helpers/kafka.ts";
import { connect, insertOrders, opts, relay, uniqueLockKey, waitFor } from "../helpers/events.ts";

/** A pool that tallies the relay's statements by kind. */
function countingPool() {
  const seen = { claims: 0, counts: 0, lockChecks: 0 };
  const sql = connect(4, {
    debug: (_connection, query) => {
      if (/for update skip locked/.test(query)) seen.claims++;
      else if (/count\(\*\)::int from outbox/.test(query)) seen.counts++;
      else if (/from pg_locks/.test(query)) seen.lockChecks++;
    },
  });
  return { sql, seen };
}

Deno.test(
  "relay: a steady stream costs no count per batch, and the lock check rides on the claim",
  opts,
  async () => {
    const { sql, seen } = countingPool();
    const writer = connect(1);
    const records = await (await collect(ORDER_TOPIC)).start();
    // A sweep far longer than the test: every wake-up below comes from a NOTIFY.
    const r = relay(sql, uniqueLockKey(), 60_000);
    try {
      await r.start();
      await waitFor("leader", () => r.status().leader);
      const started = performance.now();
      const ids: string[] = [];
      // 60 orders, one every 25 ms: the relay wakes for each, as under steady load.
      for (let i = 0; i < 60; i++) {
        ids.push(...(await insertOrders(writer, 1)).map((o) => o.eventId));
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      await waitFor("all 60 published", () => byEventId(records.records, ids).size === 60);
      const seconds = (performance.now() - started) / 1000;
      assert.ok(seen.claims >= 10, `woken per order, not once (${seen.claims} claims)`);
      assert.ok(
        seen.counts <= Math.ceil(seconds) + 2,
        `counted about once a second, not per drain: ${seen.counts} counts, ${seen.claims} ` +
          `claims in ${seconds.toFixed(1)} s`,
      );
      // A bound, not proof of the overlap (the previous code also checked once per batch).
      assert.ok(
        seen.lockChecks <= seen.claims + 2,
        `one lock check per claim (${seen.lockChecks} for ${seen.claims})`,
      );
    } finally {
      await r.stop();
      await records.stop();
      await Promise.all([sql.end(), writer.end()]);
    }
  },
);

Deno.test(
  "relay: rows claimed by a relay whose lock check failed go back unpublished",
  opts,
  async () => {
    const sql = connect();
    let sends = 0;
    const sender: Sender = {
      producer: () => {
        sends++;
        return Promise.resolve({ sendBatch: () => Promise.reject(new Error("must not send")) });
      },
      renew: () => Promise.resolve(null),
      partitionOf: () => undefined,
    };
    let ids: string[] = [];
    const heard: string[] = [];
    const listener = await sql.listen("outbox", (payload) => heard.push(payload));
    try {
      ids = (await insertOrders(sql, 3)).map((o) => o.eventId);
      const result = await publishBatch(sql, sender, {
        batchSize: 1_000,
        leaseMs: 60_000,
        maxBatchMs: 5_000,
        maxAttempts: 10,
        backoff: { baseMs: 100, maxMs: 1_000 },
        unavailableDelayMs: 1_000,
      }, Promise.resolve(false));
      assert.equal(result.lostLock, true);
      assert.equal(result.sent, 0);
      assert.ok(result.claimed >= 3 && result.released === result.claimed, JSON.stringify(result));
      assert.equal(sends, 0, "the producer was never asked for");
      const rows = await sql`
        select state, claim_token, attempts, sent_at, next_attempt_at <= now() as due
        from outbox where event_id = any(${ids}::uuid[])`;
      // The relays are woken, as the leader may have looked while the rows were claimed.
      await waitFor("a wake-up for the released rows", () => heard.includes("released"));
      assert.equal(rows.length, 3);
      for (const row of rows) {
        assert.deepEqual({ ...row }, {
          state: "pending",
          claim_token: null,
          attempts: 0,
          sent_at: null,
          due: true,
        });
      }
    } finally {
      // Leave nothing of this test pending for the next test's relays.
      await sql`update outbox set state = 'sent', sent_at = now()
        where event_id = any(${ids}::uuid[])`;
      await listener.unlisten();
      await sql.end();
    }
  },
);
