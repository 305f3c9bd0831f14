// Abuse limits against the real Redis (the per-account login limit: login-lockout.test.ts): IPv6 /64
// grouping, the register limit, X-Forwarded-For from untrusted and trusted peers, and the
// per-process fallback while Redis is stopped.
import { strictEqual } from "node:assert/strict";
import { createTestApp, expectProblem, test, type TestApp } from "../helpers/app.ts";
import { uniqueEmail } from "../helpers/config.ts";
import { privateRedis } from "../helpers/processes.ts";
import { waitFor } from "../helpers/wait.ts";

const PASSWORD = "correct horse battery";
const byte = () => Math.floor(Math.random() * 256);
/** A random public-looking address (198.18.0.0/15), never inside a trusted range below. */
const publicIp = () => `198.${18 + (byte() & 1)}.${byte()}.${byte()}`;
const hex = () => Math.floor(Math.random() * 0x10000).toString(16);

async function withApp(overrides: Record<string, string>, fn: (t: TestApp) => Promise<void>) {
  const t = createTestApp(overrides);
  try {
    // Until the client connects the limits count in the process, not in Redis.
    await waitFor(() => t.deps.redis.ping(), { what: "redis" });
    await fn(t);
  } finally {
    await t.close();
  }
}

const login = (t: TestApp, username: string, password: string, ip: string) =>
  t.form("/auth/token", { username, password }, ip);
const register = (t: TestApp, ip: string) =>
  t.request("/register", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email: uniqueEmail("reg"), password: PASSWORD }),
  }, ip);
const me = (t: TestApp, ip: string, headers: Record<string, string> = {}) =>
  t.request("/auth/me", { headers }, ip);

test("IPv6 clients are limited per /64, not per address", async () => {
  await withApp({ SLOWAPI_RATELIMIT: "3/minute" }, async (t) => {
    const net = `2001:db8:${hex()}:${hex()}`;
    const statuses = [];
    for (const host of ["::1", "::2", ":abcd:0:0:3", ":ffff:ffff:ffff:fffe"]) {
      statuses.push((await me(t, net + host)).status);
    }
    strictEqual(statuses.join(), "401,401,401,429");
    strictEqual((await me(t, `2001:db8:${hex()}:${hex()}::1`)).status, 401);
  });
});

test("registration has its own per-client limit", async () => {
  await withApp({ REGISTER_RATELIMIT: "2/minute" }, async (t) => {
    const ip = publicIp();
    strictEqual((await register(t, ip)).status, 201);
    strictEqual((await register(t, ip)).status, 201);
    const refused = await register(t, ip);
    await expectProblem(refused, 429);
    strictEqual(refused.headers.get("ratelimit-limit"), "2");
    strictEqual((await register(t, publicIp())).status, 201);
  });
});

test("X-Forwarded-For is believed from trusted proxies only, walking from the right", async () => {
  await withApp({ TRUST_PROXY: "10.200.0.0/16", SLOWAPI_RATELIMIT: "2/minute" }, async (t) => {
    // An untrusted peer naming a new client each time still counts as itself.
    const direct = publicIp();
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      statuses.push((await me(t, direct, { "X-Forwarded-For": publicIp() })).status);
    }
    strictEqual(statuses.join(), "401,401,429");

    // Behind two trusted proxies: the client is the rightmost untrusted hop, whatever it
    // prepends to the header itself.
    const client = publicIp();
    const proxy = `10.200.${byte()}.${byte()}`;
    const via = (spoofed: string) => ({ "X-Forwarded-For": `${spoofed}, ${client}, 10.200.0.1` });
    statuses.length = 0;
    for (let i = 0; i < 3; i++) statuses.push((await me(t, proxy, via(publicIp()))).status);
    strictEqual(statuses.join(), "401,401,429");
    strictEqual(await t.deps.redis.client().get(`rl:api:${client}`), "3");
    // Another client behind the same proxy has its own counter.
    strictEqual((await me(t, proxy, { "X-Forwarded-For": publicIp() })).status, 401);
  });
});

test("while Redis is down the limits count in the process instead of failing open", async () => {
  const redis = await privateRedis();
  await withApp({
    REDIS_URL: redis.url,
    SLOWAPI_RATELIMIT: "4/minute",
    LOGIN_RATELIMIT: "2/minute",
    LOGIN_ACCOUNT_RATELIMIT: "100/minute",
    REGISTER_RATELIMIT: "2/minute",
  }, async (t) => {
    const u = await t.user();
    await redis.stop();
    await waitFor(async () => !(await t.deps.redis.ping()), { what: "redis to be seen down" });

    const guesser = publicIp();
    const logins = [];
    for (let i = 0; i < 3; i++) logins.push((await login(t, u.email, "guess", guesser)).status);
    strictEqual(logins.join(), "401,401,429");

    const registrar = publicIp();
    const registrations = [];
    for (let i = 0; i < 3; i++) registrations.push((await register(t, registrar)).status);
    strictEqual(registrations.join(), "201,201,429");

    const reader = publicIp();
    const reads = [];
    for (let i = 0; i < 5; i++) reads.push((await me(t, reader)).status);
    strictEqual(reads.join(), "401,401,401,401,429");
    strictEqual((await t.get("/auth/me", u.token)).status, 200, "authenticated requests work");
  }).finally(() => redis.stop());
});
