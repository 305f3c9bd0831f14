// Configuration: every problem reported at once, the original's names, secure defaults.
import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import { ConfigError, parseConfig } from "../../api/config.ts";
import { cursorKey } from "../../api/orders/orders.cursor.ts";
import { parseRate } from "../../api/lib/rate.ts";

// A random secret: fixed ones written in the repository are refused (tests/unit/secrets.test.ts).
const SECRET = crypto.randomUUID() + crypto.randomUUID();
const BASE = {
  DATABASE_URL: "postgres://u:p@db:5432/orders",
  REDIS_URL: "redis://redis:6379/0",
  KAFKA_BROKERS: "kafka:9092",
  JWT_SECRET_KEY: SECRET,
};

Deno.test("defaults match the original service", () => {
  const config = parseConfig(BASE);
  strictEqual(config.port, 8000);
  strictEqual(config.env, "production");
  strictEqual(config.jwt.accessTtlSeconds, 30 * 60);
  strictEqual(config.jwt.refreshTtlSeconds, 80 * 60);
  deepStrictEqual(config.rateLimit.general, { limit: 30, windowMs: 60_000, text: "30/minute" });
  strictEqual(config.cacheTtlSeconds, 300);
  strictEqual(config.passwords.cost, 12);
  deepStrictEqual(config.rateLimit.trustedProxies, []);
  strictEqual(config.maxBodyBytes, 65536);
});

Deno.test("the original's variable names are accepted", () => {
  const config = parseConfig({
    JWT_SECRET_KEY: SECRET,
    REDIS_DSN: "redis://cache:6379/1",
    BROKER_URL: "kafka:9092,kafka2:9092",
    DB_USER: "order_service_user",
    DB_PASSWORD: "p@ss word",
    DB_HOST: "db",
    DB_PORT: "5432",
    DB_NAME: "order_service",
    SLOWAPI_RATELIMIT: "100 per 5 minutes",
    JWT_ACCESS_TOKEN_EXPIRATION_MINUTES: "15",
    LOGGING_LVL: "DEBUG",
    SERVING_PORT: "9000",
  });
  strictEqual(config.redis.url, "redis://cache:6379/1");
  deepStrictEqual(config.kafka.brokers, ["kafka:9092", "kafka2:9092"]);
  strictEqual(config.db.url, "postgres://order_service_user:p%40ss%20word@db:5432/order_service");
  deepStrictEqual(config.rateLimit.general, {
    limit: 100,
    windowMs: 300_000,
    text: "100 per 5 minutes",
  });
  strictEqual(config.jwt.accessTtlSeconds, 900);
  strictEqual(config.logLevel, "debug");
  strictEqual(config.port, 9000);
});

Deno.test("every problem is listed in one error", () => {
  throws(
    () => parseConfig({ PORT: "x", SLOWAPI_RATELIMIT: "lots", BCRYPT_COST: "99" }),
    (e: Error) => {
      ok(e instanceof ConfigError);
      const message = e.message;
      for (
        const name of [
          "DATABASE_URL",
          "REDIS_URL",
          "KAFKA_BROKERS",
          "JWT_SECRET_KEY",
          "PORT",
          "SLOWAPI_RATELIMIT",
          "BCRYPT_COST",
        ]
      ) {
        ok(message.includes(name), `${name} missing from:\n${message}`);
      }
      return true;
    },
  );
});

Deno.test("a weak JWT secret is refused outside development only", () => {
  throws(() => parseConfig({ ...BASE, JWT_SECRET_KEY: "change-me" }), /JWT_SECRET_KEY/);
  throws(
    () => parseConfig({ ...BASE, JWT_SECRET_KEY: "short", APP_ENV: "test" }),
    /JWT_SECRET_KEY/,
  );
  strictEqual(
    parseConfig({ ...BASE, JWT_SECRET_KEY: "change-me", APP_ENV: "development" }).env,
    "development",
  );
  throws(() => parseConfig({ ...BASE, JWT_HASHING_ALGORITHM: "none" }), /JWT_HASHING_ALGORITHM/);
  throws(() => parseConfig({ ...BASE, BCRYPT_COST: "10" }), /BCRYPT_COST/);
});

Deno.test("a weak page-cursor secret is refused outside development; unset derives one", () => {
  throws(() => parseConfig({ ...BASE, PAGE_CURSOR_SECRET: "changeme" }), /PAGE_CURSOR_SECRET/);
  strictEqual(
    parseConfig({ ...BASE, PAGE_CURSOR_SECRET: "changeme", APP_ENV: "development" }).env,
    "development",
  );
  strictEqual(parseConfig(BASE).pageCursorSecret, undefined);
  const derived = cursorKey(undefined, SECRET);
  ok(derived !== SECRET && derived.length >= 32, "a key of its own, not the JWT secret");
});

Deno.test("rate strings in the SlowAPI format", () => {
  deepStrictEqual(parseRate("30/minute"), { limit: 30, windowMs: 60_000, text: "30/minute" });
  strictEqual(parseRate("5/second").windowMs, 1_000);
  strictEqual(parseRate("1000 per day").windowMs, 86_400_000);
  strictEqual(parseRate("10/2 hours").windowMs, 7_200_000);
  for (const bad of ["", "30", "0/minute", "x/minute", "30/fortnight"]) {
    throws(() => parseRate(bad));
  }
});
