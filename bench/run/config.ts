// Settings and shared state of one bench run: the BENCH_* variables below, with their defaults.
import postgres from "postgres";

const env = (name: string, fallback: string) => Deno.env.get(name) || fallback;
export const settings = {
  durationS: Number(env("BENCH_DURATION", "10")),
  warmupS: Number(env("BENCH_WARMUP", "2")),
  connections: Number(env("BENCH_CONNECTIONS", "32")),
  pacedConnections: Number(env("BENCH_PACED_CONNECTIONS", "8")),
  pacedDelayMs: Number(env("BENCH_PACED_DELAY_MS", "5")),
  loginConnections: Number(env("BENCH_LOGIN_CONNECTIONS", "8")),
  bcryptCost: Number(env("BENCH_BCRYPT_COST", "12")),
  apiRateLimit: env("BENCH_API_RATELIMIT", "1000000000/minute"),
  pipeline: env("BENCH_PIPELINE", "1") !== "0",
  pipelineRate: Number(env("BENCH_PIPELINE_RATE", "250")),
  throughputWindowS: Number(env("BENCH_THROUGHPUT_WINDOW", "12")),
  workerConcurrency: Number(env("BENCH_WORKER_CONCURRENCY", "10")),
  workerWorkMs: Number(env("BENCH_WORKER_WORK_MS", "2000")),
  keepData: env("BENCH_KEEP_DATA", "0") === "1",
  // The soak (bench/run/soak.ts): its length and window in seconds; BENCH_SOAK=0 skips it.
  soakS: Number(env("BENCH_SOAK", "180")),
  soakWindowS: Number(env("BENCH_SOAK_WINDOW", "30")),
  soakWarmupS: Number(env("BENCH_SOAK_WARMUP", "10")),
  // Alternating runs of the metrics on/off comparison (bench/run/metrics-overhead.ts); 0 skips.
  metricsRounds: Number(env("BENCH_METRICS_ROUNDS", "5")),
  /** pgbench client counts for PostgreSQL's own rate; the best one is the reference. */
  pgClients: env("BENCH_PG_CLIENTS", "4,32").split(",").map(Number),
  /** Set to run the API as `deno task start` would by default (INFO: every request in the access log). */
  apiLogLevel: env("BENCH_API_LOG_LEVEL", "INFO"),
  /** HOT_PATH_IN_PROCESS for the API: the in-process hot path (1) or a Redis round trip per
   * request (0); the cached-GET target of issue 23 is set for the in-process one. */
  hotPathInProcess: env("BENCH_HOT_PATH_IN_PROCESS", "1") !== "0",
  /** PASSWORD_HASH_WORKERS for the API; empty: the API's default (cores - 1). */
  hashWorkers: env("BENCH_HASH_WORKERS", ""),
};
export const TARGETS = {
  /** The targets of the performance issue (23): cached GET, list page and POST. */
  cachedGetVsHello: 0.25,
  cachedGetAmbition: 0.4,
  /** The list page (page 1 of 10 out of 100 orders) against hello world. */
  listVsHello: 0.07,
  createVsPostgres: 0.6,
  loginP99Ratio: 2,
  apiRssMb: 150,
  pipelineP99Ms: 100,
  pipelineMinRate: 200,
  throughputRatio: 0.8,
  /** The soak's last window against its first (rate), at least. */
  soakRateRatio: 0.9,
};

export const root = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
export const startedAt = new Date();
export const runId = startedAt.toISOString().replace(/[-:]/g, "").replace(/\..*/, "").toLowerCase();
export const t0 = performance.now();
export const log = (message: string) =>
  console.error(`[bench ${((performance.now() - t0) / 1000).toFixed(0).padStart(3)}s] ${message}`);

for (const name of ["DATABASE_URL", "REDIS_URL", "KAFKA_BROKERS"]) {
  if (!Deno.env.get(name)) {
    console.error(`${name} is not set: run through scripts/bench.sh (deno task bench)`);
    Deno.exit(2);
  }
}

export const sql = postgres(Deno.env.get("DATABASE_URL")!, { max: 3, onnotice: () => {} });
export const emailPrefix = `bench-${runId}-`;
