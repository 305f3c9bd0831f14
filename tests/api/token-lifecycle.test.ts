// Refresh rotation, reuse detection and logout each run in one transaction under the family's
// lock, so no interleaving leaves a live refresh token in a revoked family. Logout also puts
// the session on the Redis denylist (`revoked:sid:<sid>`) that the per-request check reads.
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { revokedSessionKey } from "../../api/auth/session-revocation.ts";
import { createTestApp, expectProblem, test } from "../helpers/app.ts";

const t = createTestApp();
const RACES = 50;

const claims = (jwt: string) =>
  JSON.parse(atob(jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));

const refresh = (token: string) =>
  t.form("/auth/token", { grant_type: "refresh_token", refresh_token: token });
const logout = (access: string) =>
  t.request("/auth/logout", { method: "POST", headers: { Authorization: `Bearer ${access}` } });

async function liveTokens(familyId: string) {
  const [{ n }] = await t.deps.sql<{ n: number }[]>`
    select count(*)::int as n from refresh_tokens
    where family_id = ${familyId} and used_at is null and revoked_at is null
      and expires_at > now()`;
  return n;
}

test(`${RACES} parallel reuse/refresh/logout races leave no live token in a revoked family`, async () => {
  const u = await t.user("race");
  // Each session: log in (R0), rotate once (R0 retired, R1 live), then race three requests:
  // the legitimate rotation of R1, a replay of R0 (reuse: revokes the family), and logout.
  const sessions = [];
  for (let i = 0; i < RACES; i++) {
    const login = await t.form("/auth/token", { username: u.email, password: u.password });
    const first = await login.json();
    const second = await (await refresh(first.refresh_token)).json();
    sessions.push({ r0: first.refresh_token, r1: second.refresh_token, a1: second.access_token });
  }
  const outcomes = await Promise.all(sessions.map(async (s) => {
    const [rotated, replayed, loggedOut] = await Promise.all([
      refresh(s.r1),
      refresh(s.r0),
      logout(s.a1),
    ]);
    strictEqual(replayed.status, 401);
    strictEqual(loggedOut.status, 204);
    await replayed.body?.cancel();
    await loggedOut.body?.cancel();
    const r2 = rotated.status === 200 ? (await rotated.json()).refresh_token : undefined;
    if (!r2) await expectProblem(rotated, 401);
    return { sid: claims(s.a1).sid as string, r2 };
  }));
  const live = await Promise.all(outcomes.map(({ sid }) => liveTokens(sid)));
  deepStrictEqual(live, new Array(RACES).fill(0), "live refresh tokens per revoked family");
  // A pair handed out by a rotation that won its race is dead too.
  for (const { r2 } of outcomes.filter((o) => o.r2)) {
    await expectProblem(await refresh(r2!), 401);
  }
});

test("logout puts the session on the Redis denylist for one access-token lifetime", async () => {
  const u = await t.user("logout");
  const sid = claims(u.token).sid;
  strictEqual((await logout(u.token)).status, 204);
  const key = revokedSessionKey(sid);
  strictEqual(key, `revoked:sid:${sid}`);
  strictEqual(await t.deps.redis.run((c) => c.get(key)), "1");
  const ttl = await t.deps.redis.run((c) => c.ttl(key));
  ok(ttl > 0 && ttl <= t.config.jwt.accessTtlSeconds, `ttl ${ttl}`);
  await expectProblem(await refresh(u.refresh), 401);
  // The per-request denylist check (api/middleware) ends the access token at once.
  await expectProblem(await t.get("/auth/me", u.token), 401);
  // Kept in PostgreSQL too, for one access-token lifetime, and marked as acknowledged by Redis.
  const [row] = await t.deps.sql<{ lifetime: number; pushed: boolean }[]>`
    select extract(epoch from expires_at - revoked_at)::int as lifetime,
      pushed_at is not null as pushed
    from session_revocations where sid = ${sid}`;
  deepStrictEqual(row, { lifetime: t.config.jwt.accessTtlSeconds, pushed: true });
});

test("refresh-token reuse also puts the session on the denylist", async () => {
  const u = await t.user("reuse");
  const rotated = await refresh(u.refresh);
  strictEqual(rotated.status, 200);
  await rotated.body?.cancel();
  await expectProblem(await refresh(u.refresh), 401);
  strictEqual(await t.deps.redis.run((c) => c.get(revokedSessionKey(claims(u.token).sid))), "1");
});

test("with Redis down, logout still answers 204 and ends the refresh family and the access token", async () => {
  // Nothing listens on port 1: every Redis command fails at once.
  const down = createTestApp({ REDIS_URL: "redis://127.0.0.1:1/0" });
  try {
    const u = await down.user("no-redis");
    const res = await down.request("/auth/logout", {
      method: "POST",
      headers: { Authorization: `Bearer ${u.token}` },
    });
    strictEqual(res.status, 204);
    strictEqual(await liveTokens(claims(u.token).sid), 0);
    // The access token ends too: with Redis unreachable, PostgreSQL answers the check.
    await expectProblem(await down.get("/auth/me", u.token), 401);
    await expectProblem(
      await down.form("/auth/token", { grant_type: "refresh_token", refresh_token: u.refresh }),
      401,
    );
  } finally {
    await down.close();
  }
});
