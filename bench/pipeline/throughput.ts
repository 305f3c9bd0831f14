// Throughput scenario: a backlog of orders, records completed per second over a bounded window
// (see bench/pipeline.ts).
import { inParallel, ORDER_BODY } from "../lib/client.ts";
import { round, sleep } from "../lib/proc.ts";
import type { Outcome, PipelineContext, ThroughputResult } from "./types.ts";
import { probe, startWorker } from "./worker.ts";

export async function runThroughput(ctx: PipelineContext): Promise<Outcome<ThroughputResult>> {
  const concurrency = ctx.throughput.concurrency ?? 10;
  const workMs = ctx.throughput.workMs ?? 2000;
  const windowS = ctx.throughput.windowS;
  const expected = (concurrency * 1000) / workMs;
  // Enough records that the worker never runs dry during the window, with margin.
  const backlog = Math.ceil(expected * (windowS + (2 * workMs) / 1000) * 1.5) + concurrency;
  const user = await ctx.newUser("pipe-throughput");
  const probeUser = await ctx.newUser("pipe-throughput-probe");
  ctx.log(
    `pipeline throughput: starting worker (WORKER_CONCURRENCY=${concurrency}, ` +
      `WORKER_SIMULATED_WORK_MS=${workMs})`,
  );
  const worker = await startWorker(ctx, "throughput", {
    WORKER_CONCURRENCY: String(concurrency),
    WORKER_SIMULATED_WORK_MS: String(workMs),
  });
  try {
    const problem = await probe(ctx, worker, probeUser, 20_000 + workMs);
    if (problem) return { status: "skipped", reason: problem };
    // Let the probe's neighbours (records of other groups' traffic) finish first.
    await sleep(workMs);
    ctx.log(`pipeline throughput: backlog of ${backlog} orders, ${windowS} s window`);
    const orders = await inParallel(
      backlog,
      8,
      () => ctx.api.createOrder(user.token, ORDER_BODY),
    );
    const ids = orders.map((o) => o.id);
    const eventIds = new Set(
      (await ctx.sql<{ event_id: string }[]>`
        select event_id::text from outbox where record_key = any(${ids})`).map((r) => r.event_id),
    );
    const mine = () => worker.handled.filter((h) => eventIds.has(h.eventId));
    // Wait for the first completion, then for the window to pass (both bounded).
    const firstDeadline = Date.now() + 30_000 + 2 * workMs;
    while (mine().length === 0 && Date.now() < firstDeadline) await sleep(100);
    const first = mine()[0];
    if (!first) {
      return {
        status: "failed",
        reason: `the worker completed none of the ${backlog} backlog orders within ` +
          `${(30_000 + 2 * workMs) / 1000} s`,
      };
    }
    const windowEnd = first.timeMs + windowS * 1000;
    while (Date.now() < windowEnd + 1_000 && mine().length < backlog) await sleep(200);
    const handled = mine();
    const inWindow = handled.filter((h) => h.timeMs < windowEnd);
    const duplicates = inWindow.filter((h) => h.outcome !== "processed").length;
    let note: string | undefined;
    let measuredS = windowS;
    if (handled.length >= backlog) {
      // Ran dry before the window ended: rate over the time actually spent.
      measuredS = Math.max(0.001, (handled.at(-1)!.timeMs - first.timeMs) / 1000 + workMs / 1000);
      note = `backlog drained before the window ended; rate over ${round(measuredS, 1)} s`;
    }
    if (duplicates > 0) {
      note = [note, `${duplicates} records were already processed by another consumer group`]
        .filter(Boolean).join("; ");
    }
    return {
      status: "ok",
      concurrency,
      workMs,
      backlog,
      windowS: round(measuredS, 1),
      completedInWindow: inWindow.length,
      duplicates,
      perSecond: round(inWindow.length / measuredS, 2),
      expectedPerSecond: round(expected, 2),
      source: "worker log",
      note,
    };
  } finally {
    await worker.service.stop(15_000);
  }
}
