// The worker purges its own processed_events (worker/housekeeping.ts): rows past
// PROCESSED_EVENTS_RETENTION_DAYS go, batch after batch, at start-up; younger ones stay.
import assert from "node:assert/strict";
import { purgeProcessedEvents } from "../../worker/housekeeping.ts";
import { connect, opts, waitFor } from "../helpers/events.ts";
import { startWorker, stopWorker } from "../helpers/worker.ts";

const sql = connect();
// Closed when the module is done, not by a test: tests may run in any order (--shuffle).
addEventListener("unload", () => sql.end());

/** processed_events rows of one test, `daysOld` old, tagged by their order id. */
async function insertProcessed(tag: string, count: number, daysOld: number) {
  await sql`insert into processed_events (event_id, order_id, topic, kafka_partition,
      kafka_offset, processed_at)
    select gen_random_uuid(), ${tag}::uuid, 'housekeeping-test', 0, n,
      now() - make_interval(days => ${daysOld})
    from generate_series(1, ${count}) as n`;
}

const left = async (tag: string) =>
  (await sql`select count(*)::int as n from processed_events where order_id = ${tag}::uuid`)[0]
    .n as number;

Deno.test(
  "purgeProcessedEvents: past the retention, batch after batch; younger rows stay",
  opts,
  async () => {
    const old = crypto.randomUUID();
    const young = crypto.randomUUID();
    try {
      await insertProcessed(old, 25, 4);
      await insertProcessed(young, 3, 2);
      const deleted = await purgeProcessedEvents(sql, { retentionDays: 3, batch: 7 });
      assert.ok(deleted >= 25, `deleted ${deleted}`);
      assert.equal(await left(old), 0);
      assert.equal(await left(young), 3);
    } finally {
      await sql`delete from processed_events where order_id in (${old}::uuid, ${young}::uuid)`;
    }
  },
);

Deno.test("the worker process purges processed_events at start-up", opts, async () => {
  const tag = crypto.randomUUID();
  await insertProcessed(tag, 30, 30);
  const worker = await startWorker({ PROCESSED_EVENTS_RETENTION_DAYS: "14" });
  try {
    await waitFor("the start-up purge", async () => (await left(tag)) === 0, 30_000);
  } finally {
    await stopWorker(worker);
    await sql`delete from processed_events where order_id = ${tag}::uuid`;
  }
});
