// The worker's configuration, parsed once at start-up; the only module that reads the
// environment (Bun loads .env itself). Every problem is reported at once, in one message.
import process from "node:process";
import { z } from "zod";
import { ConfigError, parseEnvironment, positiveInt, type RawEnv } from "../common/env-schema.ts";

export { ConfigError };

const EnvSchema = z.object({
  KAFKA_BROKERS: z.string().transform((value) =>
    value.split(",").map((item) => item.trim()).filter(Boolean)
  ).pipe(z.array(z.string().regex(/^[^:\s]+:\d+$/, "expected host:port")).min(1)),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
  KAFKA_GROUP_ID: z.string().min(1).default("order-worker"),
  KAFKA_CLIENT_ID: z.string().min(1).default("order-worker"),
  // How long the group waits for a member that stopped heartbeating (a killed worker) before
  // reassigning its partitions; the broker accepts 6000–1800000 by default.
  KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6_000).default(30_000),
  WORKER_CONCURRENCY: positiveInt(10),
  // PostgreSQL connections per worker process, whatever the concurrency (see worker/db.ts).
  WORKER_DB_POOL_MAX: positiveInt(4),
  WORKER_SIMULATED_WORK_MS: z.coerce.number().int().min(0).default(2000),
  WORKER_MAX_RETRIES: z.coerce.number().int().min(0).default(3),
  WORKER_HEALTH_PORT: z.coerce.number().int().min(0).max(65535).default(8010),
  WORKER_SHUTDOWN_TIMEOUT_MS: positiveInt(30_000),
  // Keep longer than the topics' retention (worker/housekeeping.ts).
  PROCESSED_EVENTS_RETENTION_DAYS: positiveInt(14),
  WORKER_HOUSEKEEPING_INTERVAL_MS: positiveInt(10 * 60_000),
  // Traces go to <endpoint>/v1/traces over OTLP/HTTP (JSON); unset, tracing is off.
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  LOGGING_LVL: z.string().default("INFO").transform((v) => v.toLowerCase()).pipe(
    z.enum(["debug", "info", "warning", "warn", "error", "critical"]),
  ),
});

/** Every variable the worker reads, for the documentation check of .env.example. */
export const WORKER_VARIABLES = Object.keys(EnvSchema.shape);

/** The original service's variable names, accepted where they map one to one. */
const ALIASES: Record<string, string[]> = {
  KAFKA_BROKERS: ["BROKER_URL"],
  LOGGING_LVL: ["LOG_LEVEL"],
};

export function parseWorkerConfig(env: RawEnv) {
  const e = parseEnvironment(EnvSchema, env, ALIASES, "worker configuration");
  return {
    brokers: e.KAFKA_BROKERS,
    databaseUrl: e.DATABASE_URL,
    groupId: e.KAFKA_GROUP_ID,
    clientId: e.KAFKA_CLIENT_ID,
    sessionTimeoutMs: e.KAFKA_SESSION_TIMEOUT_MS,
    concurrency: e.WORKER_CONCURRENCY,
    dbPoolMax: e.WORKER_DB_POOL_MAX,
    simulatedWorkMs: e.WORKER_SIMULATED_WORK_MS,
    maxRetries: e.WORKER_MAX_RETRIES,
    healthPort: e.WORKER_HEALTH_PORT,
    shutdownTimeoutMs: e.WORKER_SHUTDOWN_TIMEOUT_MS,
    processedEventsRetentionDays: e.PROCESSED_EVENTS_RETENTION_DAYS,
    housekeepingIntervalMs: e.WORKER_HOUSEKEEPING_INTERVAL_MS,
    otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT,
    logLevel: e.LOGGING_LVL === "warn"
      ? "warning"
      : e.LOGGING_LVL === "critical"
      ? "error"
      : e.LOGGING_LVL,
  } as const;
}

export type WorkerConfig = ReturnType<typeof parseWorkerConfig>;

export function loadWorkerConfig(): WorkerConfig {
  return parseWorkerConfig(process.env);
}
