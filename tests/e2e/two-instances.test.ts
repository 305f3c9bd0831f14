// Two API processes on one Redis and one database: a cached read on either never shows an
// order older than a PATCH the other one has acknowledged, and the limits hold across both.
import { strictEqual } from "node:assert/strict";
import { test } from "../helpers/app.ts";
import { createClient } from "@redis/client";
import { testEnv, uniqueIp } from "../helpers/config.ts";
import { client } from "../helpers/http.ts";
import { type RunningApi, startApi } from "../helpers/processes.ts";
import { waitFor } from "../helpers/wait.ts";

/** Both started and counting in Redis (until they reach it they count limits in-process). */
async function startTwo(env: Record<string, string>): Promise<RunningApi[]> {
  const apis = await Promise.all([startApi(env), startApi(env)]);
  const redis = await createClient({ url: testEnv().REDIS_URL }).connect();
  try {
    for (const api of apis) {
      await waitFor(async () => {
        const ip = uniqueIp();
        await client(api.url, { "X-Forwarded-For": ip }).call("GET", "/auth/me");
        return await redis.exists(`rl:api:${ip}`) === 1;
      }, { what: "the API to count in Redis" });
    }
  } finally {
    await redis.close();
  }
  return apis;
}

test("no instance serves an order older than a PATCH acknowledged by the other", async () => {
  const [a, b] = await startTwo({ SLOWAPI_RATELIMIT: "100000/minute" });
  try {
    const ip = uniqueIp();
    const [viaA, viaB] = [
      client(a.url, { "X-Forwarded-For": ip }),
      client(b.url, { "X-Forwarded-For": ip }),
    ];
    const u = await viaA.user("two");
    const orders = [];
    for (let i = 0; i < 3; i++) {
      orders.push(
        (await viaA.call("POST", "/orders", {
          token: u.token,
          json: { items: { n: i }, order_price: 1 },
        })).data.id as string,
      );
    }
    // Every read through either instance, right after the other acknowledged a change.
    for (const id of orders) {
      for (
        const [writer, reader, status] of [[viaA, viaB, "PAID"], [viaB, viaA, "SHIPPED"]] as const
      ) {
        strictEqual((await reader.call("GET", `/orders/${id}`, { token: u.token })).status, 200);
        const patched = await writer.call("PATCH", `/orders/${id}`, {
          token: u.token,
          json: { status },
        });
        strictEqual(patched.status, 200);
        for (const instance of [reader, writer]) {
          strictEqual(
            (await instance.call("GET", `/orders/${id}`, { token: u.token })).data.status,
            status,
          );
        }
      }
    }
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});

test("a login limit crossed on one instance holds on the other", async () => {
  const env = { LOGIN_RATELIMIT: "100/minute", LOGIN_ACCOUNT_RATELIMIT: "3/minute" };
  const [a, b] = await startTwo(env);
  try {
    const victim = await client(a.url, { "X-Forwarded-For": uniqueIp() }).user("shared-limit");
    const statuses = [];
    // Failed passwords count, on either instance; the fourth is over the limit of three.
    for (const api of [b, a, b, a]) {
      const http = client(api.url, { "X-Forwarded-For": uniqueIp() });
      statuses.push(
        (await http.call("POST", "/auth/token", {
          form: { username: victim.email, password: "guess" },
        })).status,
      );
    }
    strictEqual(statuses.join(), "401,401,401,429");
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});
