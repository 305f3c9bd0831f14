// The API's configuration: parsed once at start-up into a typed object. This is the only
// module that reads the environment. Every problem is reported at once, in one message.
import process from "node:process";
import { parseEnv } from "node:util";
import { z } from "zod";
import { ConfigError, databaseUrl, parseEnvironment, type RawEnv } from "../common/env-schema.ts";
import { ALIASES, EnvSchema, Fields } from "./config/schema.ts";

export { ConfigError };

/** Every variable the API reads, for the documentation check of .env.example. */
export const API_VARIABLES = Object.keys(Fields.shape);

export function parseConfig(env: RawEnv) {
  const e = parseEnvironment(EnvSchema, env, ALIASES, "configuration");
  return {
    env: e.APP_ENV,
    host: e.HOST,
    port: e.PORT,
    db: {
      url: e.DATABASE_URL,
      poolMax: e.DB_POOL_MAX,
      connectTimeoutSeconds: e.DB_CONNECT_TIMEOUT_SECONDS,
      statementTimeoutMs: e.DB_STATEMENT_TIMEOUT_MS,
      opsPoolMax: e.DB_OPS_POOL_MAX,
    },
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    redis: {
      url: e.REDIS_URL,
      commandTimeoutMs: e.REDIS_COMMAND_TIMEOUT_MS,
      socketTimeoutMs: e.REDIS_SOCKET_TIMEOUT_MS,
      pingIntervalMs: e.REDIS_PING_INTERVAL_MS,
    },
    hotPathInProcess: e.HOT_PATH_IN_PROCESS,
    kafka: { brokers: e.KAFKA_BROKERS, clientId: e.KAFKA_CLIENT_ID },
    outbox: {
      sweepIntervalMs: e.OUTBOX_SWEEP_INTERVAL_MS,
      batchSize: e.OUTBOX_BATCH_SIZE,
      maxAttempts: e.OUTBOX_MAX_ATTEMPTS,
    },
    jwt: {
      secret: e.JWT_SECRET_KEY,
      issuer: e.JWT_ISSUER,
      audience: e.JWT_AUDIENCE,
      accessTtlSeconds: e.JWT_ACCESS_TOKEN_EXPIRATION_MINUTES * 60,
      refreshTtlSeconds: e.JWT_REFRESH_TOKEN_EXPIRATION_MINUTES * 60,
    },
    pageCursorSecret: e.PAGE_CURSOR_SECRET,
    passwords: {
      cost: e.BCRYPT_COST,
      workers: e.PASSWORD_HASH_WORKERS,
      maxQueue: e.PASSWORD_HASH_QUEUE_MAX,
    },
    rateLimit: {
      enabled: e.RATE_LIMIT_ENABLED,
      general: e.SLOWAPI_RATELIMIT,
      login: e.LOGIN_RATELIMIT,
      loginAccount: e.LOGIN_ACCOUNT_RATELIMIT,
      register: e.REGISTER_RATELIMIT,
      trustedProxies: e.TRUST_PROXY,
    },
    cacheTtlSeconds: e.ORDER_CACHE_TTL_SECONDS,
    maxBodyBytes: e.MAX_BODY_BYTES,
    logLevel: e.LOGGING_LVL === "warn" ? "warning" : e.LOGGING_LVL,
    accessLogSampleRate: e.ACCESS_LOG_SAMPLE_RATE,
    corsOrigins: e.CORS_ORIGINS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    metrics: { enabled: e.METRICS_ENABLED, port: e.METRICS_PORT },
    tracing: { enabled: e.OTEL_DENO, endpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT },
  } as const;
}

export type Config = ReturnType<typeof parseConfig>;

/** The process environment with `.env` (if present) underneath: real variables win. */
export function readEnv(dotenvPath = ".env"): RawEnv {
  let fromFile: RawEnv = {};
  try {
    fromFile = parseEnv(Deno.readTextFileSync(dotenvPath)) as RawEnv;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return { ...fromFile, ...process.env };
}

export function loadConfig(): Config {
  return parseConfig(readEnv());
}

/** Only the database settings, for command-line tools that need nothing else. */
export function loadDatabaseConfig(env: RawEnv = readEnv()): Config["db"] {
  const url = z.url({ protocol: /^postgres(ql)?$/ }).safeParse(databaseUrl(env));
  if (!url.success) {
    throw new ConfigError("invalid configuration:\n  - DATABASE_URL: set DATABASE_URL (or DB_*)");
  }
  return {
    url: url.data,
    poolMax: 2,
    connectTimeoutSeconds: 5,
    statementTimeoutMs: 10_000,
    opsPoolMax: 1,
  };
}
