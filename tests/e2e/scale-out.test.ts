// Scale-out (issue 7, item 7), the chaos suite's scenario run as a test: two API processes
// and three workers in one consumer group share a load of real HTTP clients; one API and one
// worker are killed with SIGKILL mid-run, and the clients retry their Idempotency-Key against
// the surviving API. Every acknowledged order must then have exactly one effect
// (processed_events row), none may be lost, and no order may exist without a 201.
import { ok, strictEqual } from "node:assert/strict";
import { randomSecret } from "../../bench/chaos/env.ts";
import { apiSlot, workerSlot } from "../../bench/chaos/procs.ts";
import { scaleOut } from "../../bench/chaos/scale-out.ts";
import { type Cluster, runScenario } from "../../bench/chaos/scenario.ts";
import { commitAtEnd } from "../../bench/chaos/verify.ts";

Deno.test({
  name: "two APIs and three workers: kill -9 one of each mid-run, every order takes effect once",
  // kafkajs keeps timers and sockets around after disconnect.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const groupId = `scale-out-test-${crypto.randomUUID()}`;
    const secret = randomSecret();
    const cluster: Cluster = {
      groupId,
      secret,
      apis: [apiSlot("api-1", secret)],
      workers: [workerSlot("worker-1", groupId)],
    };
    // A new group would replay the whole topics; this one starts at their current end.
    await commitAtEnd(groupId);
    try {
      await Promise.all([cluster.apis[0].start(), cluster.workers[0].start()]);
      const row = await runScenario(cluster, scaleOut, 90_000);
      const detail = JSON.stringify(row, null, 1);
      ok(row.outcome.created > 50, `too few orders to prove anything: ${detail}`);
      ok(row.notes.some((n) => /members with partitions: [^,]+, [^,]+, [^,]+$/.test(n)), detail);
      strictEqual(row.outcome.lost, 0, detail);
      strictEqual(row.outcome.duplicates, 0, detail);
      strictEqual(row.outcome.processedOnce, row.outcome.created, detail);
      strictEqual(row.outcome.unacked, 0, detail);
      strictEqual(row.gaveUp, 0, detail);
      strictEqual(row.stats.other5xx, 0, detail);
      ok(row.settled && row.ok, detail);
      ok(row.api.includes("api-1 SIGKILL") && !row.api.includes("NO"), detail);
      ok(row.worker.includes("worker-2 SIGKILL") && !row.worker.includes("NO"), detail);
    } finally {
      for (const slot of [...cluster.apis, ...cluster.workers]) await slot.stop();
    }
  },
});
