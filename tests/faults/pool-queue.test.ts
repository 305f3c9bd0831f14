// The API slowed down the longer it served database reads (issue "The API slows down..."):
// postgres.js moves a connection between its pool queues (open, busy, full) with
// `queue.remove(connection)`, an indexOf over the queue's backing array. That array only
// shrank when a shift emptied the queue, and shift left an `undefined` slot behind, so under
// steady load (some connection always busy) it grew by one slot per pipelined query and every
// move scanned all of it: CPU per query grew with the traffic served since the pool was last
// idle. patches/postgres@3.4.9.patch makes the queue compact itself and search only live
// slots. This drives a real pool against the real PostgreSQL and counts the slots a move scans.
import { ok, strictEqual } from "node:assert/strict";
import { createSql } from "../../api/platform/db.ts";
import { testConfig } from "../helpers/config.ts";

/** Records how many array slots each indexOf for a postgres.js connection object scans. */
function countConnectionSearches() {
  const original = Array.prototype.indexOf;
  const scans: number[] = [];
  Array.prototype.indexOf = function (this: unknown[], x: unknown, from?: number) {
    if (x !== null && typeof x === "object" && "execute" in x && "queue" in x) {
      scans.push(this.length - Math.max(0, from ?? 0));
    }
    return original.call(this, x, from);
  } as typeof original;
  return { scans, restore: () => (Array.prototype.indexOf = original) };
}

Deno.test("a busy pool's queue moves scan a bounded number of slots, however long the load", async () => {
  const poolMax = 2;
  const sql = createSql(testConfig().db, { max: poolMax, applicationName: "pool-queue-test" });
  const searches = countConnectionSearches();
  try {
    // 16 callers on 2 connections: both stay busy and queries pipeline onto them, the way
    // the list page's two statements per request kept the API's pool busy under load.
    const perCaller = 250;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let i = 0; i < perCaller; i++) await sql`select 1 as one`;
      }),
    );
    ok(searches.scans.length > 1000, `the pool moved connections (${searches.scans.length})`);
    const worst = Math.max(...searches.scans);
    // Live entries are at most the pool's connections; compaction leaves a short tail at most.
    ok(
      worst <= 256,
      `a move scanned ${worst} slots after ${16 * perCaller} queries (bounded: <= 256)`,
    );
    const [{ one }] = await sql<{ one: number }[]>`select 1 as one`;
    strictEqual(one, 1);
  } finally {
    searches.restore();
    await sql.end({ timeout: 5 });
  }
});
