// Registration, login, refresh rotation with reuse detection, logout and token checks,
// in-process over real PostgreSQL and Redis.
import { deepStrictEqual, notStrictEqual, ok, strictEqual } from "node:assert/strict";
import { SignJWT } from "jose";
import { createTestApp, expectProblem, test } from "../helpers/app.ts";
import { tamperSignature, TEST_SECRET, uniqueEmail } from "../helpers/config.ts";

const t = createTestApp();
const key = new TextEncoder().encode(TEST_SECRET);

function forge(
  claims: Record<string, unknown>,
  opts: { typ?: string; iss?: string; aud?: string; exp?: number | string } = {},
) {
  return new SignJWT({ token_use: "access", sid: crypto.randomUUID(), role: "user", ...claims })
    .setProtectedHeader({ alg: "HS256", typ: opts.typ ?? "at+jwt" })
    .setSubject(String(claims.sub ?? crypto.randomUUID()))
    .setJti(crypto.randomUUID())
    .setIssuer(opts.iss ?? "order-service")
    .setAudience(opts.aud ?? "order-service")
    .setIssuedAt()
    .setExpirationTime(opts.exp ?? "5m")
    .sign(key);
}

test("register answers 201 with id and email, and rejects a duplicate in any case", async () => {
  const email = uniqueEmail();
  const res = await t.json("POST", "/register", { email, password: "password-123" });
  strictEqual(res.status, 201);
  const body = await res.json();
  deepStrictEqual(Object.keys(body).sort(), ["email", "id"]);
  strictEqual(body.email, email);
  await expectProblem(
    await t.json("POST", "/register", { email: email.toUpperCase(), password: "password-123" }),
    409,
  );
});

test("register validates email and password and refuses extra fields", async () => {
  const bad = await expectProblem(
    await t.json("POST", "/register", { email: "nope", password: "short" }),
    422,
  );
  deepStrictEqual(bad.errors.map((e: { path: string }) => e.path).sort(), [
    "body.email",
    "body.password",
  ]);
  await expectProblem(
    await t.json("POST", "/register", {
      email: uniqueEmail(),
      password: "password-123",
      role: "admin",
    }),
    422,
  );
});

test("password grant returns a bearer pair; /auth/me shows the caller", async () => {
  const u = await t.user();
  const res = await t.form("/auth/token", {
    grant_type: "password",
    username: u.email,
    password: u.password,
  });
  strictEqual(res.status, 200);
  const pair = await res.json();
  strictEqual(pair.token_type, "bearer");
  strictEqual(pair.expires_in, 30 * 60);
  ok(pair.access_token && pair.refresh_token);
  const me = await t.get("/auth/me", pair.access_token);
  strictEqual(me.status, 200);
  deepStrictEqual(await me.json(), { id: u.id, email: u.email, role: "user" });
});

test("unknown email and wrong password look the same", async () => {
  const u = await t.user();
  const wrong = await t.form("/auth/token", { username: u.email, password: "wrong-password" });
  const unknown = await t.form("/auth/token", {
    username: uniqueEmail(),
    password: "wrong-password",
  });
  const a = await expectProblem(wrong, 401);
  const b = await expectProblem(unknown, 401);
  deepStrictEqual(a, b);
  strictEqual(wrong.headers.get("www-authenticate"), unknown.headers.get("www-authenticate"));
});

test("refresh rotates the pair and a reused refresh token revokes the family", async () => {
  const u = await t.user();
  const first = await t.form("/auth/token", {
    grant_type: "refresh_token",
    refresh_token: u.refresh,
  });
  strictEqual(first.status, 200);
  const rotated = await first.json();
  notStrictEqual(rotated.refresh_token, u.refresh);
  // Replaying the retired token is reuse: 401, and the token it was exchanged for dies too.
  await expectProblem(
    await t.form("/auth/token", { grant_type: "refresh_token", refresh_token: u.refresh }),
    401,
  );
  await expectProblem(
    await t.form("/auth/token", {
      grant_type: "refresh_token",
      refresh_token: rotated.refresh_token,
    }),
    401,
  );
});

test("logout revokes the caller's refresh family", async () => {
  const u = await t.user();
  const res = await t.request("/auth/logout", {
    method: "POST",
    headers: { Authorization: `Bearer ${u.token}` },
  });
  strictEqual(res.status, 204);
  await expectProblem(
    await t.form("/auth/token", { grant_type: "refresh_token", refresh_token: u.refresh }),
    401,
  );
});

test("a refresh token is not an access token, and an access token is not a refresh token", async () => {
  const u = await t.user();
  const asAccess = await expectProblem(await t.get("/auth/me", u.refresh), 401);
  ok(asAccess.detail.includes("not valid"));
  await expectProblem(
    await t.form("/auth/token", { grant_type: "refresh_token", refresh_token: u.token }),
    401,
  );
});

test("alg none, tampered signatures, expiry, issuer and audience are all rejected", async () => {
  const u = await t.user();
  const [header, payload] = u.token.split(".");
  const none = btoa(JSON.stringify({ alg: "none", typ: "at+jwt" })).replace(/=+$/, "");
  const cases: Record<string, string> = {
    "alg none": `${none}.${payload}.`,
    "tampered payload": `${header}.${
      btoa(JSON.stringify({ sub: u.id, role: "admin" })).replace(/=+$/, "")
    }.${u.token.split(".")[2]}`,
    "tampered signature": tamperSignature(u.token),
    expired: await forge({ sub: u.id }, { exp: Math.floor(Date.now() / 1000) - 60 }),
    "wrong issuer": await forge({ sub: u.id }, { iss: "someone-else" }),
    "wrong audience": await forge({ sub: u.id }, { aud: "another-api" }),
    "wrong typ": await forge({ sub: u.id }, { typ: "JWT" }),
    "garbage": "not-a-jwt",
  };
  for (const [name, token] of Object.entries(cases)) {
    const res = await t.get("/auth/me", token);
    strictEqual(res.status, 401, name);
    ok(res.headers.get("www-authenticate")?.startsWith("Bearer"), name);
    await res.body?.cancel();
  }
  // The forger's helper itself is sound: a correct token passes.
  strictEqual((await t.get("/auth/me", await forge({ sub: u.id }))).status, 200);
});

test("missing bearer token is 401 with WWW-Authenticate", async () => {
  const res = await t.get("/auth/me");
  await expectProblem(res, 401);
  ok(res.headers.get("www-authenticate")?.startsWith("Bearer"));
});

test("token endpoint wants a form and the fields of its grant", async () => {
  await expectProblem(await t.json("POST", "/auth/token", { username: "a", password: "b" }), 415);
  const missing = await expectProblem(
    await t.form("/auth/token", { username: uniqueEmail() }),
    422,
  );
  deepStrictEqual(missing.errors.map((e: { path: string }) => e.path), ["body.password"]);
  await expectProblem(await t.form("/auth/token", { grant_type: "client_credentials" }), 422);
});

test("each authenticated orders route checks the caller's session once", async () => {
  // Still authenticated at all: the one registration covers the bare collection path.
  await expectProblem(await t.json("POST", "/orders", { items: {}, order_price: 1 }), 401);
  const u = await t.user("check-once");
  const order = await t.order(u.token);
  const revocations = t.deps.revocations;
  const check = revocations.check;
  let calls = 0;
  revocations.check = (...args) => {
    calls++;
    return check.apply(revocations, args);
  };
  try {
    const requests: [string, () => Response | Promise<Response>][] = [
      [
        "POST /orders",
        () => t.json("POST", "/orders", { items: { sku: 2 }, order_price: 3 }, u.token),
      ],
      ["GET /orders/{id}", () => t.get(`/orders/${order.id}`, u.token)],
      ["GET /orders/user/{id}", () => t.get(`/orders/user/${u.id}`, u.token)],
      [
        "PATCH /orders/{id}",
        () => t.json("PATCH", `/orders/${order.id}`, { status: "PENDING" }, u.token),
      ],
    ];
    for (const [name, send] of requests) {
      calls = 0;
      const res = await send();
      await res.body?.cancel();
      ok(res.status < 300, `${name}: ${res.status}`);
      // The fast read may answer the GET from the round trip alone, without the middleware.
      ok(calls <= 1, `${name} checked the session ${calls} times`);
      if (name !== "GET /orders/{id}") {
        strictEqual(calls, 1, `${name} checked the session ${calls} times`);
      }
    }
  } finally {
    revocations.check = check;
  }
});
