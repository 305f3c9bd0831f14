// The API's environment variables as a zod schema (api/config.ts parses with it): each field
// with its type and default, the rules across fields, and the original service's names.
import { z } from "zod";
import { positiveInt } from "../../common/env-schema.ts";
import { bool, list, rate, trustedProxies } from "./fields.ts";
import { secretProblem } from "./secret-strength.ts";

export const Fields = z.object({
  APP_ENV: z.enum(["development", "test", "production"]).default("production"),
  HOST: z.string().default("0.0.0.0"),
  PORT: z.coerce.number().int().min(0).max(65535).default(8000),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
  // PostgreSQL does the most create-order statements/s with about two clients per core; more
  // only queue inside it (measured with pgbench and POST /orders, bench/PROFILE.md).
  DB_POOL_MAX: positiveInt(Math.max(4, 2 * (navigator.hardwareConcurrency ?? 2))),
  DB_CONNECT_TIMEOUT_SECONDS: positiveInt(3),
  DB_STATEMENT_TIMEOUT_MS: positiveInt(5000),
  DB_OPS_POOL_MAX: positiveInt(3),
  REQUEST_TIMEOUT_MS: positiveInt(5000),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }),
  REDIS_COMMAND_TIMEOUT_MS: positiveInt(500),
  REDIS_SOCKET_TIMEOUT_MS: positiveInt(5000),
  REDIS_PING_INTERVAL_MS: positiveInt(1000),
  // Rate limits, the logout denylist and the order cache answered in process (token leases and
  // Redis client-side caching) instead of one Redis round trip per request.
  HOT_PATH_IN_PROCESS: bool(false),
  KAFKA_BROKERS: list.pipe(z.array(z.string().regex(/^[^:\s]+:\d+$/)).min(1)),
  KAFKA_CLIENT_ID: z.string().default("order-service-api"),
  OUTBOX_SWEEP_INTERVAL_MS: positiveInt(5000),
  OUTBOX_BATCH_SIZE: positiveInt(100),
  OUTBOX_MAX_ATTEMPTS: positiveInt(10),
  JWT_SECRET_KEY: z.string().min(1),
  JWT_HASHING_ALGORITHM: z.literal("HS256").default("HS256"),
  JWT_ISSUER: z.string().min(1).default("order-service"),
  JWT_AUDIENCE: z.string().min(1).default("order-service"),
  JWT_ACCESS_TOKEN_EXPIRATION_MINUTES: positiveInt(30),
  JWT_REFRESH_TOKEN_EXPIRATION_MINUTES: positiveInt(80),
  // Signs the list's page cursors; unset, a key derived from JWT_SECRET_KEY signs them.
  PAGE_CURSOR_SECRET: z.string().min(1).optional(),
  BCRYPT_COST: z.coerce.number().int().min(4).max(15).default(12),
  // One core stays free for serving requests while logins hash on the others.
  PASSWORD_HASH_WORKERS: positiveInt(Math.max(1, (navigator.hardwareConcurrency ?? 2) - 1)),
  PASSWORD_HASH_QUEUE_MAX: positiveInt(32),
  RATE_LIMIT_ENABLED: bool(true),
  SLOWAPI_RATELIMIT: rate("30/minute"),
  LOGIN_RATELIMIT: rate("5/minute"),
  LOGIN_ACCOUNT_RATELIMIT: rate("20/hour"),
  REGISTER_RATELIMIT: rate("10/hour"),
  TRUST_PROXY: trustedProxies,
  ORDER_CACHE_TTL_SECONDS: positiveInt(300),
  MAX_BODY_BYTES: positiveInt(64 * 1024),
  LOGGING_LVL: z.string().default("INFO").transform((v) => v.toLowerCase()).pipe(
    z.enum(["debug", "info", "warning", "warn", "error", "critical"]),
  ),
  ACCESS_LOG_SAMPLE_RATE: z.coerce.number().min(0).max(1).default(1),
  CORS_ORIGINS: list,
  SHUTDOWN_TIMEOUT_MS: positiveInt(10_000),
  METRICS_ENABLED: bool(true),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  // Read by Deno's runtime itself; validated here so a half-configured setup fails loudly.
  OTEL_DENO: bool(false),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
});

// Rules across fields. They run even when unrelated fields are invalid (`when`), so a weak
// secret is reported together with every other problem, not after they are fixed.
const CrossFieldInput = Fields.pick({
  APP_ENV: true,
  JWT_SECRET_KEY: true,
  PAGE_CURSOR_SECRET: true,
  BCRYPT_COST: true,
});
export const EnvSchema = Fields.superRefine((env, ctx) => {
  const production = env.APP_ENV === "production";
  for (const name of ["JWT_SECRET_KEY", "PAGE_CURSOR_SECRET"] as const) {
    const secret = env[name];
    const weak = secret === undefined ? undefined : secretProblem(secret);
    if (env.APP_ENV !== "development" && weak) {
      ctx.addIssue({
        code: "custom",
        path: [name],
        message: `refused outside development: it ${weak}`,
      });
    }
  }
  if (production && env.BCRYPT_COST < 12) {
    ctx.addIssue({ code: "custom", path: ["BCRYPT_COST"], message: "must be >= 12 in production" });
  }
  if (env.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined && env.OTEL_DENO === false) {
    ctx.addIssue({
      code: "custom",
      path: ["OTEL_DENO"],
      message: "must be true when OTEL_EXPORTER_OTLP_ENDPOINT is set: Deno's built-in " +
        "OpenTelemetry exports the API's traces only with OTEL_DENO=true",
    });
  }
}, { when: (payload) => CrossFieldInput.safeParse(payload.value).success });

/** The original service's variable names, accepted where they map one to one. */
export const ALIASES: Record<string, string[]> = {
  REDIS_URL: ["REDIS_DSN"],
  KAFKA_BROKERS: ["BROKER_URL"],
  PORT: ["SERVING_PORT"],
  SLOWAPI_RATELIMIT: ["RATE_LIMIT"],
  LOGGING_LVL: ["LOG_LEVEL"],
  CORS_ORIGINS: ["CORS_ALLOW_ORIGINS", "BACKEND_CORS_ORIGINS"],
};
