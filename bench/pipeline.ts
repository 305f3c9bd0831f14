// Event-pipeline scenarios (issue 3 item 5): API → outbox → relay → Kafka `new_order` →
// worker (`bun run worker`) → processed_events. Each scenario starts its own worker in a
// fresh consumer group (so it starts at the topic's end and no other group's offsets move),
// checks the whole path with a probe order first, and skips with a clear reason when the
// worker, the relay or Kafka is missing.
//
//   latency:    orders at a steady rate (default 250/s) with WORKER_SIMULATED_WORK_MS=0;
//               per order, the time from its creation in PostgreSQL (orders.created_at, set
//               inside the create transaction, so just before its commit) to the moment the
//               worker finished it (the worker's own `record handled` log line, written after
//               its transaction committed). processed_events.processed_at − created_at is
//               reported too (processed_at is the start of the worker's transaction).
//   throughput: a backlog of orders, the worker at its default delay (2000 ms) and
//               concurrency (10); records completed per second over a bounded window that
//               starts at the first completion. Target ≥ 0.8 × concurrency / delay.
import type postgres from "postgres";
import { type BenchUser, inParallel, ORDER_BODY } from "./lib/client.ts";
import type { ApiClient } from "./lib/client.ts";
import {
  freePort,
  round,
  sampleRss,
  type Service,
  sleep,
  spawnService,
  waitForHttp,
} from "./lib/proc.ts";

export interface PipelineContext {
  root: string;
  apiUrl: string;
  api: ApiClient;
  sql: postgres.Sql;
  runId: string;
  /** KAFKA_BROKERS and DATABASE_URL for the worker. */
  env: Record<string, string>;
  newUser(label: string): Promise<BenchUser>;
  log(message: string): void;
  latency: { rate: number; durationS: number };
  throughput: { windowS: number; concurrency?: number; workMs?: number };
}

export interface LatencyResult {
  status: "ok";
  targetRate: number;
  achievedRate: number;
  orders: number;
  processedByBenchWorker: number;
  /** Records our worker found already processed (another consumer group got there first). */
  duplicates: number;
  missing: number;
  /** created_at → worker committed (its log line). */
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  /** created_at → processed_at (start of the worker's transaction), from PostgreSQL alone. */
  dbP50Ms: number | null;
  dbP99Ms: number | null;
  postP50Ms: number;
  postP99Ms: number;
  postErrors: number;
  workerPeakRssMb: number;
}

export interface ThroughputResult {
  status: "ok";
  concurrency: number;
  workMs: number;
  backlog: number;
  windowS: number;
  completedInWindow: number;
  duplicates: number;
  perSecond: number;
  expectedPerSecond: number;
  source: "worker log" | "processed_events";
  note?: string;
}

export type Outcome<T> = T | { status: "skipped" | "failed"; reason: string };

interface Handled {
  timeMs: number;
  eventId: string;
  outcome: string;
}

interface Worker {
  service: Service;
  handled: Handled[];
  groupId: string;
}

/** Why the pipeline cannot be benchmarked here, or null when it can be tried. */
export async function pipelineUnavailable(root: string): Promise<string | null> {
  try {
    await Deno.stat(`${root}/worker/main.ts`);
  } catch {
    return "worker/main.ts does not exist yet (issue 3); event-pipeline scenarios skipped";
  }
  try {
    const pkg = JSON.parse(await Deno.readTextFile(`${root}/package.json`));
    if (!pkg.scripts?.worker) return 'package.json has no "worker" script (`bun run worker`)';
  } catch {
    return "package.json is missing or unreadable";
  }
  try {
    await new Deno.Command("bun", { args: ["--version"], stdout: "null", stderr: "null" }).output();
  } catch {
    return "bun is not on PATH (scripts/lib/env.sh adds .tools/node_modules/.bin)";
  }
  return null;
}

async function startWorker(
  ctx: PipelineContext,
  label: string,
  settings: Record<string, string>,
): Promise<Worker> {
  const groupId = `bench-${ctx.runId}-${label}`;
  const healthPort = freePort();
  const handled: Handled[] = [];
  const service = spawnService({
    name: `worker (${label})`,
    cmd: "bun",
    args: ["run", "worker"],
    env: {
      ...ctx.env,
      ...settings,
      KAFKA_GROUP_ID: groupId,
      KAFKA_CLIENT_ID: groupId,
      WORKER_HEALTH_PORT: String(healthPort),
      // One `record handled` line per record: the completion timestamps we measure with.
      LOGGING_LVL: "DEBUG",
    },
    onLine(line) {
      if (!line.includes('"record handled"')) return;
      try {
        const entry = JSON.parse(line);
        if (entry.msg !== "record handled" || !entry.eventId) return;
        handled.push({
          timeMs: Date.parse(entry.time),
          eventId: entry.eventId,
          outcome: entry.outcome,
        });
      } catch { /* not a JSON log line */ }
    },
  });
  await waitForHttp(`http://127.0.0.1:${healthPort}/internal/alive`, service, {
    status: 204,
    timeoutMs: 45_000,
  });
  return { service, handled, groupId };
}

/**
 * Creates probe orders until the worker has handled one: proves API → outbox → relay → Kafka
 * → this worker's group works before anything is measured. Returns a reason on failure.
 */
async function probe(ctx: PipelineContext, worker: Worker, user: BenchUser, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  const eventIds = new Set<string>();
  const orderIds: string[] = [];
  while (Date.now() < deadline) {
    const order = await ctx.api.createOrder(user.token, ORDER_BODY);
    orderIds.push(order.id);
    const [row] = await ctx.sql<{ event_id: string }[]>`
      select event_id::text from outbox where record_key = ${order.id}`;
    if (row) eventIds.add(row.event_id);
    const until = Math.min(deadline, Date.now() + 5_000);
    while (Date.now() < until) {
      if (worker.handled.some((h) => eventIds.has(h.eventId))) return null;
      await sleep(50);
    }
  }
  const [sent] = await ctx.sql<{ sent: number }[]>`
    select count(*)::int as sent from outbox
    where record_key = any(${orderIds}) and sent_at is not null`;
  const [done] = await ctx.sql<{ done: number }[]>`
    select count(*)::int as done from processed_events where order_id = any(${orderIds})`;
  if (done && done.done > 0) {
    return "probe orders reached processed_events, but the bench worker logged no " +
      "`record handled` line for them (the bench times records with the worker's debug log):\n" +
      worker.service.tail();
  }
  if (!sent || sent.sent === 0) {
    return `no probe order was published to Kafka within ${timeoutMs / 1000} s (outbox rows ` +
      "still unsent): is the outbox relay running in the API and is Kafka up?";
  }
  return `probe orders were published but the bench worker (group ${worker.groupId}) did not ` +
    `handle any within ${timeoutMs / 1000} s:\n${worker.service.tail()}`;
}

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))], 1);
}

async function steadyOrders(ctx: PipelineContext, user: BenchUser) {
  const { rate, durationS } = ctx.latency;
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
    const { rate, durationS } = ctx.latency;
    ctx.log(`pipeline latency: ${rate} orders/s for ${durationS} s`);
    const rss = sampleRss(worker.service.pid);
    const load = await steadyOrders(ctx, user);
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
