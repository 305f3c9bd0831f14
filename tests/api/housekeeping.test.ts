// Expired rows are purged; live ones are kept.
import { strictEqual } from "node:assert/strict";
import { purgeExpired } from "../../api/housekeeping.ts";
import { createTestApp, test } from "../helpers/app.ts";

const t = createTestApp();

test("purgeExpired deletes old sent outbox rows, stale idempotency keys and dead refresh tokens", async () => {
  const u = await t.user();
  const kept = await t.order(u.token);
  const old = await (await t.json("POST", "/orders", { items: {}, order_price: 1 }, u.token, {
    "Idempotency-Key": "old-key",
  })).json();
  const sql = t.deps.sql;
  await sql`update outbox set sent_at = now() - interval '8 days' where record_key = ${old.id}`;
  await sql`update outbox set sent_at = now() - interval '1 hour' where record_key = ${kept.id}`;
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
