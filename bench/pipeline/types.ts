// Types shared by the event-pipeline scenarios (bench/pipeline.ts) and their callers.
import type postgres from "postgres";
import type { ApiClient, BenchUser } from "../lib/client.ts";

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
  /** warmupS: the same load first, on its own user, not counted (as every HTTP scenario). */
  latency: { rate: number; durationS: number; warmupS: number };
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
