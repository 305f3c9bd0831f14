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
export type {
  LatencyResult,
  Outcome,
  PipelineContext,
  ThroughputResult,
} from "./pipeline/types.ts";
export { runLatency } from "./pipeline/latency.ts";
export { runThroughput } from "./pipeline/throughput.ts";

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
