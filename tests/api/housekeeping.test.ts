// Expired rows are purged, batch after batch until none is left, at start-up and then
// periodically; live ones (and pending or parked outbox rows) are kept. The worker's
// processed_events are the worker's to purge (tests/events/worker-housekeeping.test.ts).
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { purgeExpired, startHousekeeping } from "../../api/housekeeping.ts";
import { createLogger } from "../../common/logger.ts";
import { createTestApp, test } from "../helpers/app.ts";
import { waitFor } from "../helpers/wait.ts";

const t = createTestApp();
// Closed when the module is done, not by a test: tests may run in any order (--shuffle).
addEventListener("unload", () => t.close());

test("purgeExpired deletes old sent outbox rows, stale idempotency keys and dead refresh tokens", async () => {
  const u = await t.user();
  const kept = await t.order(u.token);
  const old = await (await t.json("POST", "/orders", { items: {}, order_price: 1 }, u.token, {
    "Idempotency-Key": "old-key",
  })).json();
  const sql = t.deps.sql;
  await sql`update outbox set state = 'sent', sent_at = now() - interval '8 days'
    where record_key = ${old.id}`;
  await sql`update outbox set state = 'sent', sent_at = now() - interval '1 hour'
    where record_key = ${kept.id}`;
  await sql`update idempotency_keys set created_at = now() - interval '25 hours' where user_id = ${u.id}`;
  await sql`update refresh_tokens set expires_at = now() - interval '2 hours' where user_id = ${u.id}`;

  await purgeExpired(sql);

  const outbox =
    await sql`select record_key from outbox where record_key in (${old.id}, ${kept.id})`;
  strictEqual(outbox.length, 1);
  strictEqual(outbox[0].record_key, kept.id);
  strictEqual((await sql`select 1 from idempotency_keys where user_id = ${u.id}`).length, 0);
  strictEqual((await sql`select 1 from refresh_tokens where user_id = ${u.id}`).length, 0);
  // The orders themselves are never touched.
  strictEqual((await sql`select 1 from orders where id in (${old.id}, ${kept.id})`).length, 2);
});

test("purgeExpired deletes a session revocation once its access tokens have expired", async () => {
  const sid = (token: string) =>
    JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/"))).sid as string;
  const [ended, live] = [await t.user("purge-ended"), await t.user("purge-live")];
  for (const u of [ended, live]) {
    const res = await t.request("/auth/logout", {
      method: "POST",
      headers: { Authorization: `Bearer ${u.token}` },
    });
    strictEqual(res.status, 204);
  }
  const sql = t.deps.sql;
  await sql`update session_revocations set expires_at = now() - interval '1 second'
    where sid = ${sid(ended.token)}`;

  await purgeExpired(sql);

  const left = await sql<{ sid: string }[]>`select sid from session_revocations
    where sid in (${sid(ended.token)}, ${sid(live.token)})`;
  deepStrictEqual(left.map((row) => row.sid), [sid(live.token)]);
});

/** Old published outbox rows, tagged so the test finds its own. */
async function insertExpired(tag: string, count: number) {
  const sql = t.deps.sql;
  await sql`insert into outbox (event_id, topic, record_key, record_value, headers, state,
      sent_at)
    select gen_random_uuid(), 'housekeeping-test', ${tag}, '{}', '{}'::jsonb, 'sent',
      now() - interval '8 days'
    from generate_series(1, ${count})`;
}

async function remaining(tag: string) {
  const sql = t.deps.sql;
  const [{ outbox }] = await sql`select count(*)::int as outbox from outbox
    where record_key = ${tag} and state = 'sent'`;
  return { outbox };
}

test("one run purges everything expired, batch after batch (more than one batch's worth)", async () => {
  const tag = crypto.randomUUID();
  await insertExpired(tag, 6_000); // more than one 5,000-row batch
  const sql = t.deps.sql;
  // Pending and parked rows are never purged, however old. (Not due for a day: no relay
  // running meanwhile tries the pending one.)
  await sql`insert into outbox (event_id, topic, record_key, record_value, headers, state,
      created_at, next_attempt_at)
    values (gen_random_uuid(), 'housekeeping-test', ${tag}, '{}', '{}'::jsonb, 'pending',
        now() - interval '30 days', now() + interval '1 day'),
      (gen_random_uuid(), 'housekeeping-test', ${tag}, '{}', '{}'::jsonb, 'parked',
        now() - interval '30 days', now() + interval '1 day')`;
  try {
    const deleted = await purgeExpired(sql);
    ok(deleted.outbox >= 6_000, JSON.stringify(deleted));
    deepStrictEqual(await remaining(tag), { outbox: 0 });
    const [{ n }] = await sql`select count(*)::int as n from outbox where record_key = ${tag}`;
    strictEqual(n, 2, "the pending and the parked row are kept");
  } finally {
    // The pending row's topic does not exist: no relay should ever see it.
    await sql`delete from outbox where record_key = ${tag}`;
  }
});

test("housekeeping runs at start-up, not only after its first interval", async () => {
  const tag = crypto.randomUUID();
  await insertExpired(tag, 30);
  const stop = startHousekeeping(t.deps.sql, createLogger("critical"), {
    everyMs: 60 * 60_000,
    batch: 7,
  });
  try {
    await waitFor(async () => (await remaining(tag)).outbox === 0, {
      timeoutMs: 30_000,
      what: "the start-up purge",
    });
  } finally {
    await stop();
  }
});
