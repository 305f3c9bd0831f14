// Rate limits over real HTTP: the general limit and the stricter login limit.
import { ok, strictEqual } from "node:assert/strict";
import { test } from "../helpers/app.ts";
import { createClient } from "@redis/client";
import { testEnv, uniqueIp } from "../helpers/config.ts";
import { client } from "../helpers/http.ts";
import { startApi } from "../helpers/processes.ts";

test("crossing the limit gives 429 problem+json with Retry-After and RateLimit-* headers", async () => {
  const api = await startApi({ SLOWAPI_RATELIMIT: "5/minute" });
  try {
    const http = client(api.url, { "X-Forwarded-For": uniqueIp() });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await http.call("GET", "/auth/me")).status);
    strictEqual(statuses.join(), "401,401,401,401,401");
    const limited = await http.call("GET", "/auth/me");
    strictEqual(limited.status, 429);
    strictEqual(limited.headers.get("content-type"), "application/problem+json");
    ok(Number(limited.headers.get("retry-after")) > 0);
    strictEqual(limited.headers.get("ratelimit-limit"), "5");
    strictEqual(limited.headers.get("ratelimit-remaining"), "0");
    ok(limited.headers.get("ratelimit-reset"));
    // Another client is unaffected; health is never limited.
    strictEqual(
      (await client(api.url, { "X-Forwarded-For": uniqueIp() }).call("GET", "/auth/me")).status,
      401,
    );
    strictEqual((await http.call("GET", "/health/live")).status, 200);
  } finally {
    await api.stop();
  }
});

test("X-Forwarded-For is ignored unless TRUST_PROXY is set", async () => {
  // Every untrusted request counts for the socket peer, 127.0.0.1: start its window afresh.
  const redis = await createClient({ url: testEnv().REDIS_URL }).connect();
  await redis.del("rl:api:127.0.0.1");
  await redis.close();
  const api = await startApi({ SLOWAPI_RATELIMIT: "3/minute", TRUST_PROXY: "false" });
  try {
    // Each request claims a new address; without trust they all count for the socket peer.
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      statuses.push(
        (await client(api.url, { "X-Forwarded-For": uniqueIp() }).call("GET", "/auth/me")).status,
      );
    }
    strictEqual(statuses.join(), "401,401,401,429");
  } finally {
    await api.stop();
  }
});

test("login has its own stricter limit per account and client", async () => {
  const api = await startApi({ LOGIN_RATELIMIT: "3/minute" });
  try {
    const http = client(api.url, { "X-Forwarded-For": uniqueIp() });
    const victim = await http.user("victim");
    const attempts = [];
    for (let i = 0; i < 4; i++) {
      attempts.push(
        (await http.call("POST", "/auth/token", {
          form: { username: victim.email, password: "guess-" + i },
        })).status,
      );
    }
    // user() logged in once already: that counts as the first of the three.
    strictEqual(attempts.join(), "401,401,429,429");
    // Another account from the same client still may log in.
    const other = await http.user("other");
    ok(other.token);
  } finally {
    await api.stop();
  }
});
