// Test configuration: the real services from the environment (scripts/test.sh loads them),
// a random strong secret, cheap bcrypt, and limits high enough not to interfere.
import { type Config, parseConfig, readEnv } from "../../api/config.ts";

export const TEST_SECRET = crypto.randomUUID() + crypto.randomUUID();

export function testEnv(overrides: Record<string, string> = {}): Record<string, string> {
  const env = readEnv();
  const pick = (name: string) => env[name] ?? "";
  return {
    APP_ENV: "test",
    DATABASE_URL: pick("DATABASE_URL"),
    REDIS_URL: pick("REDIS_URL"),
    KAFKA_BROKERS: pick("KAFKA_BROKERS"),
    JWT_SECRET_KEY: TEST_SECRET,
    BCRYPT_COST: "4",
    PASSWORD_HASH_WORKERS: "1",
    SLOWAPI_RATELIMIT: "100000/minute",
    LOGIN_RATELIMIT: "100000/minute",
    LOGIN_ACCOUNT_RATELIMIT: "100000/minute",
    REGISTER_RATELIMIT: "100000/minute",
    TRUST_PROXY: "true",
    LOGGING_LVL: "CRITICAL",
    // This machine is shared and slow; the request deadline has its own tests (tests/faults/).
    REQUEST_TIMEOUT_MS: "30000",
    // The whole suite runs against either hot path: `HOT_PATH_IN_PROCESS=true deno task test`.
    HOT_PATH_IN_PROCESS: pick("HOT_PATH_IN_PROCESS") || "false",
    ...overrides,
  };
}

export function testConfig(overrides: Record<string, string> = {}): Config {
  return parseConfig(testEnv(overrides));
}

export const uniqueEmail = (tag = "user") => `${tag}-${crypto.randomUUID()}@example.test`;

/** A fresh client address, so rate-limit counters never leak between tests. */
export const uniqueIp = () =>
  `10.${Math.floor(Math.random() * 256)}.${Math.floor(Math.random() * 256)}.${
    Math.floor(Math.random() * 254) + 1
  }`;

/**
 * Changes the first character of a token's last dot-separated part (its signature). The
 * first base64url character carries six whole bits, so the decoded bytes always differ;
 * changing the last characters does not, as base64url decoders ignore their spare bits.
 */
export function tamperSignature(token: string): string {
  const cut = token.lastIndexOf(".") + 1;
  const swap = token[cut] === "A" ? "B" : "A";
  return `${token.slice(0, cut)}${swap}${token.slice(cut + 1)}`;
}
