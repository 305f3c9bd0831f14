// Set-ups shared by tests/e2e/redis-writes.test.ts: API processes on a private Redis.
import { strictEqual } from "node:assert/strict";
import { uniqueIp } from "./config.ts";
import { client } from "./http.ts";
import { privateRedis, type RunningApi, startApi } from "./processes.ts";
import { waitFor } from "./wait.ts";

export const LIMITS = { SLOWAPI_RATELIMIT: "1000000/minute" };

export const later = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function ready(api: RunningApi) {
  const http = client(api.url, { "X-Forwarded-For": uniqueIp() });
  await waitFor(async () => (await http.call("GET", "/health/ready")).data?.status === "ok", {
    timeoutMs: 30_000,
    what: "readiness ok",
  });
}

/** Both ready; a user's new order, created through A and read (so cached) through B. */
export async function orderCachedByB(a: RunningApi, b: RunningApi, tag: string) {
  await Promise.all([ready(a), ready(b)]);
  const ip = uniqueIp();
  const [viaA, viaB] = [
    client(a.url, { "X-Forwarded-For": ip }),
    client(b.url, { "X-Forwarded-For": ip }),
  ];
  const u = await viaA.user(tag);
  const order = await viaA.call("POST", "/orders", {
    token: u.token,
    json: { items: {}, order_price: 1 },
  });
  strictEqual(order.status, 201);
  const path = `/orders/${order.data.id}`;
  strictEqual((await viaB.call("GET", path, { token: u.token })).data.status, "PENDING");
  return { viaA, viaB, u, path };
}

/** One API on a private Redis, ready, and a client with `me(token)`: /auth/me's status. */
export async function oneApi(env: Record<string, string> = {}) {
  const redis = await privateRedis();
  const api = await startApi({ REDIS_URL: redis.url, ...LIMITS, ...env });
  const http = client(api.url, { "X-Forwarded-For": uniqueIp() });
  const me = async (token: string) => (await http.call("GET", "/auth/me", { token })).status;
  const stop = async () => {
    await api.stop();
    redis.thaw();
    await redis.stop();
  };
  try {
    await ready(api);
  } catch (error) {
    await stop();
    throw error;
  }
  return { api, redis, http, me, stop };
}
