// Runs the event-pipeline scenarios (bench/pipeline.ts) against the API under test, or says
// why they were skipped; a failing scenario is reported, never fatal to the bench.
import type { ApiClient, BenchUser } from "../lib/client.ts";
import {
  type LatencyResult,
  type Outcome,
  type PipelineContext,
  pipelineUnavailable,
  runLatency,
  runThroughput,
  type ThroughputResult,
} from "../pipeline.ts";
import { log, root, runId, settings, sql } from "./config.ts";

export type PipelineResults =
  | { status: "skipped"; reason: string }
  | {
    status: "ran";
    latency: Outcome<LatencyResult>;
    throughput: Outcome<ThroughputResult>;
  };

export async function runPipeline(
  apiUrl: string,
  client: ApiClient,
  newUser: (label: string) => Promise<BenchUser>,
): Promise<PipelineResults> {
  const unavailable = settings.pipeline
    ? await pipelineUnavailable(root)
    : "disabled with BENCH_PIPELINE=0";
  if (unavailable) {
    log(`event pipeline: SKIPPED: ${unavailable}`);
    return { status: "skipped", reason: unavailable };
  }
  const ctx: PipelineContext = {
    root,
    apiUrl,
    api: client,
    sql,
    runId,
    env: {
      KAFKA_BROKERS: Deno.env.get("KAFKA_BROKERS")!,
      DATABASE_URL: Deno.env.get("DATABASE_URL")!,
    },
    newUser,
    log,
    latency: {
      rate: settings.pipelineRate,
      durationS: settings.durationS,
      warmupS: settings.warmupS,
    },
    throughput: {
      windowS: settings.throughputWindowS,
      concurrency: settings.workerConcurrency,
      workMs: settings.workerWorkMs,
    },
  };
  const guard = async <T>(name: string, run: () => Promise<Outcome<T>>) => {
    try {
      const outcome = await run();
      const status = (outcome as { status: string }).status;
      if (status !== "ok") {
        log(`${name}: ${status.toUpperCase()}: ${(outcome as { reason: string }).reason}`);
      }
      return outcome;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      log(`${name}: FAILED: ${reason}`);
      return { status: "failed" as const, reason };
    }
  };
  const latency = await guard("pipeline latency", () => runLatency(ctx));
  // If the path API → relay → Kafka → worker did not work once, it will not work now.
  const throughput: Outcome<ThroughputResult> = latency.status === "skipped"
    ? { status: "skipped", reason: `not run, as the latency scenario: ${latency.reason}` }
    : await guard("pipeline throughput", () => runThroughput(ctx));
  return { status: "ran", latency, throughput };
}
