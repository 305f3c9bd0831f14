// Latency scenario: orders at a steady rate, timed from orders.created_at to the worker's
// `record handled` log line (see bench/pipeline.ts).
import type { BenchUser } from "../lib/client.ts";
import { round, sleep } from "../lib/proc.ts";
import { sampleRss } from "../lib/resource-usage.ts";
import type { LatencyResult, Outcome, PipelineContext } from "./types.ts";
import { probe, startWorker } from "./worker.ts";

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))], 1);
}

async function steadyOrders(ctx: PipelineContext, user: BenchUser, durationS: number) {
  const { rate } = ctx.latency;
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net",
      `${ctx.root}/bench/steady-orders.ts`,
      ctx.apiUrl,
      user.token,
      String(rate),
      String(durationS),
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(output.stdout).trim();
  if (output.code !== 0) {
    throw new Error(`steady-orders failed: ${text}${new TextDecoder().decode(output.stderr)}`);
  }
  return JSON.parse(text.split("\n").at(-1)!) as {
    sent: number;
    failed: number;
    skipped: number;
    achievedRate: number;
    postP50Ms: number;
    postP99Ms: number;
    firstError?: string;
  };
}

export async function runLatency(ctx: PipelineContext): Promise<Outcome<LatencyResult>> {
  const user = await ctx.newUser("pipe-latency");
  const probeUser = await ctx.newUser("pipe-latency-probe");
  ctx.log("pipeline latency: starting worker (WORKER_SIMULATED_WORK_MS=0)");
  const worker = await startWorker(ctx, "latency", { WORKER_SIMULATED_WORK_MS: "0" });
  try {
    const problem = await probe(ctx, worker, probeUser, 20_000);
    if (problem) return { status: "skipped", reason: problem };
    const { rate, durationS, warmupS } = ctx.latency;
    ctx.log(`pipeline latency: ${rate} orders/s, warm-up ${warmupS} s, then ${durationS} s`);
    // The API's write and relay paths sat idle through the read scenarios, and without a
    // warm-up its first 3 s had 40-60 ms relay wake-ups (11-28 ms later on): the same load first,
    // on its own user and not counted, as every HTTP scenario has.
    if (warmupS > 0) await steadyOrders(ctx, await ctx.newUser("pipe-latency-warmup"), warmupS);
    const rss = sampleRss(worker.service.pid);
    const load = await steadyOrders(ctx, user, durationS);
    // Let the tail of the stream through, bounded.
    const events = async () =>
      new Map(
        (await ctx.sql<{ event_id: string; created_ms: number }[]>`
          select ob.event_id::text, extract(epoch from o.created_at) * 1000 as created_ms
          from orders o join outbox ob on ob.record_key = o.id::text
          where o.creator_id = ${user.id}`).map((r) => [r.event_id, Number(r.created_ms)]),
      );
    let byEvent = await events();
    const deadline = Date.now() + 20_000;
    const seen = () => worker.handled.filter((h) => byEvent.has(h.eventId)).length;
    while (seen() < byEvent.size && Date.now() < deadline) {
      await sleep(200);
      byEvent = await events();
    }
    const workerRss = await rss.stop();
    const mine = worker.handled.filter((h) => byEvent.has(h.eventId));
    const processed = mine.filter((h) => h.outcome === "processed");
    const latencies = mine.map((h) => h.timeMs - byEvent.get(h.eventId)!).sort((a, b) => a - b);
    const [db] = await ctx.sql<{ p50: number | null; p99: number | null }[]>`
      select
        percentile_cont(0.5) within group (order by extract(epoch from pe.processed_at - o.created_at) * 1000) as p50,
        percentile_cont(0.99) within group (order by extract(epoch from pe.processed_at - o.created_at) * 1000) as p99
      from orders o join processed_events pe on pe.order_id = o.id
      where o.creator_id = ${user.id}`;
    return {
      status: "ok",
      targetRate: rate,
      achievedRate: load.achievedRate,
      orders: byEvent.size,
      processedByBenchWorker: processed.length,
      duplicates: mine.length - processed.length,
      missing: byEvent.size - mine.length,
      p50Ms: percentile(latencies, 0.5),
      p99Ms: percentile(latencies, 0.99),
      maxMs: latencies.length ? round(latencies.at(-1)!, 1) : null,
      dbP50Ms: db.p50 === null ? null : round(Number(db.p50), 1),
      dbP99Ms: db.p99 === null ? null : round(Number(db.p99), 1),
      postP50Ms: load.postP50Ms,
      postP99Ms: load.postP99Ms,
      postErrors: load.failed + load.skipped,
      workerPeakRssMb: workerRss.peakRssMb,
    };
  } finally {
    await worker.service.stop(15_000);
  }
}
