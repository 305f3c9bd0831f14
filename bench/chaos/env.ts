// The chaos suite's settings: the local services (environment first, then .data/services.env,
// as scripts/lib/env.sh does), the harness's own paths, and the knobs of the load and the bound.
import { parseEnv } from "node:util";
import { sleep } from "../lib/proc.ts";

export const ROOT = new URL("../../", import.meta.url).pathname;

const fileEnv = (() => {
  try {
    return parseEnv(Deno.readTextFileSync(`${ROOT}.data/services.env`)) as Record<string, string>;
  } catch {
    return {};
  }
})();
const setting = (name: string, fallback = "") => Deno.env.get(name) ?? fileEnv[name] ?? fallback;
const numberSetting = (name: string, fallback: number) => Number(setting(name, String(fallback)));

export const services = {
  databaseUrl: setting("DATABASE_URL"),
  redisUrl: setting("REDIS_URL"),
  brokers: setting("KAFKA_BROKERS").split(",").filter(Boolean),
  pgPort: new URL(setting("DATABASE_URL", "postgres://x@127.0.0.1:5432/x")).port || "5432",
};

export function requireServices() {
  if (!services.databaseUrl || !services.redisUrl || services.brokers.length === 0) {
    throw new Error("DATABASE_URL/REDIS_URL/KAFKA_BROKERS unset: run `deno task services:up`");
  }
}

export const settings = {
  /** Concurrent clients creating orders, and clients reading cached orders. */
  creators: numberSetting("CHAOS_CREATORS", 8),
  readers: numberSetting("CHAOS_READERS", 2),
  /** Pause between two requests of one client, to keep the shared machine usable. */
  thinkMs: numberSetting("CHAOS_THINK_MS", 80),
  /** A response slower than this (or none at all) is "over the bound". */
  boundMs: numberSetting("CHAOS_BOUND_MS", 5_000),
  /** The whole suite's budget. */
  totalMs: numberSetting("CHAOS_TOTAL_MS", 600_000),
  workerWorkMs: numberSetting("CHAOS_WORKER_WORK_MS", 20),
  /** Short, so a killed worker's partitions move quickly (the broker's minimum is 6 s). */
  sessionTimeoutMs: numberSetting("CHAOS_SESSION_TIMEOUT_MS", 10_000),
};

export { randomSecret, sleep } from "../lib/proc.ts";

/** Polls `check` until truthy or `timeoutMs` passes; returns the last value either way. */
export async function until<T>(
  check: () => Promise<T> | T,
  timeoutMs: number,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let value: T | undefined;
    try {
      value = await check();
    } catch { /* not yet */ }
    if (value || Date.now() >= deadline) return value as T;
    await sleep(intervalMs);
  }
}
