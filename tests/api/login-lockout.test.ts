// The per-account login limit counts failed passwords only (api/auth/account-lockout.ts):
// guesses from many addresses cannot lock the owner out, and a success clears the count.
import { ok, strictEqual } from "node:assert/strict";
import { createTestApp, expectProblem, test, type TestApp } from "../helpers/app.ts";
import { waitFor } from "../helpers/wait.ts";

const byte = () => Math.floor(Math.random() * 256);
const seen = new Set<string>();
/** A fresh public-looking address (198.18.0.0/15), never used twice in this file. */
function newAddress(): string {
  for (;;) {
    const ip = `198.${18 + (byte() & 1)}.${byte()}.${byte()}`;
    if (!seen.has(ip)) return seen.add(ip), ip;
  }
}

const login = (t: TestApp, username: string, password: string, ip = newAddress()) =>
  t.form("/auth/token", { username, password }, ip);

test("failed guesses from 20 addresses do not lock the owner out; a success clears them", async () => {
  const t = createTestApp({ LOGIN_ACCOUNT_RATELIMIT: "20/hour" });
  try {
    await waitFor(() => t.deps.redis.ping(), { what: "redis" });
    const victim = await t.user("victim"); // a successful login, which counts nothing
    const failures = `rl:login-account:${victim.email.toLowerCase()}`;
    const statuses = [];
    for (let i = 0; i < 20; i++) statuses.push((await login(t, victim.email, "guess")).status);
    strictEqual(statuses.join(), Array(20).fill(401).join(), "20 failures, each answered 401");
    strictEqual(await t.deps.redis.client().get(failures), "20");

    const guesser = newAddress();
    const refused = await login(t, victim.email.toUpperCase(), "guess", guesser);
    await expectProblem(refused, 429);
    ok(Number(refused.headers.get("retry-after")) > 0);
    // That address had its one checked attempt: even the right password is not checked now.
    await expectProblem(await login(t, victim.email, victim.password, guesser), 429);

    const owner = await login(t, victim.email, victim.password); // a new address
    strictEqual(owner.status, 200, await owner.clone().text());
    ok((await owner.json()).access_token);
    strictEqual(await t.deps.redis.client().exists(failures), 0, "the success cleared them");
    strictEqual((await login(t, victim.email, "guess")).status, 401, "counting starts again");
    strictEqual(await t.deps.redis.client().get(failures), "1");
  } finally {
    await t.close();
  }
});

test("successful logins never count against the account limit", async () => {
  const t = createTestApp({ LOGIN_ACCOUNT_RATELIMIT: "2/hour", LOGIN_RATELIMIT: "100/minute" });
  try {
    await waitFor(() => t.deps.redis.ping(), { what: "redis" });
    const u = await t.user();
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await login(t, u.email, u.password)).status);
    strictEqual(statuses.join(), "200,200,200,200,200");
    // Between successes, failures short of the limit are forgotten too.
    for (let i = 0; i < 3; i++) {
      strictEqual((await login(t, u.email, "guess")).status, 401);
      strictEqual((await login(t, u.email, u.password)).status, 200);
    }
  } finally {
    await t.close();
  }
});
