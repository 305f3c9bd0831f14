// Every endpoint's success path over real HTTP against the real API process.
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { test } from "../helpers/app.ts";
import { uniqueIp } from "../helpers/config.ts";
import { client } from "../helpers/http.ts";
import { startApi } from "../helpers/processes.ts";

/** Sends one request line over TCP and returns the raw response head. */
async function rawRequest(base: string, line: string) {
  const { hostname, port } = new URL(base);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  try {
    await conn.write(new TextEncoder().encode(`${line}\r\nHost: ${hostname}\r\n\r\n`));
    const buffer = new Uint8Array(4096);
    const n = await conn.read(buffer);
    return new TextDecoder().decode(buffer.subarray(0, n ?? 0));
  } finally {
    conn.close();
  }
}

test("the API over HTTP: auth, orders, health, docs, graceful stop", async () => {
  const api = await startApi();
  try {
    const http = client(api.url, { "X-Forwarded-For": uniqueIp() });

    strictEqual((await http.call("GET", "/health/live")).status, 200);
    const ready = await http.call("GET", "/health/ready");
    strictEqual(ready.status, 200);
    // Only the status is public ("degraded" while the Kafka producer is still connecting).
    deepStrictEqual(Object.keys(ready.data), ["status"]);
    ok(["ok", "degraded"].includes(ready.data.status), ready.text);

    const u = await http.user();
    const me = await http.call("GET", "/auth/me", { token: u.token });
    deepStrictEqual(me.data, { id: u.id, email: u.email, role: "user" });

    const created = await http.call("POST", "/orders", {
      token: u.token,
      json: { items: { sku_1: 2 }, order_price: 25.5 },
      headers: { "Idempotency-Key": crypto.randomUUID() },
    });
    strictEqual(created.status, 201);
    strictEqual(created.headers.get("location"), `/orders/${created.data.id}`);
    ok(created.headers.get("ratelimit-limit"));
    ok(created.headers.get("x-request-id"));

    const got = await http.call("GET", `/orders/${created.data.id}`, { token: u.token });
    deepStrictEqual(got.data, created.data);
    const patched = await http.call("PATCH", `/orders/${created.data.id}`, {
      token: u.token,
      json: { status: "PAID" },
    });
    strictEqual(patched.data.status, "PAID");
    strictEqual(
      (await http.call("GET", `/orders/${created.data.id}`, { token: u.token })).data.status,
      "PAID",
    );
    const page = await http.call("GET", `/orders/user/${u.id}?page=1&page_size=10`, {
      token: u.token,
    });
    strictEqual(page.data.total_items, 1);

    const refreshed = await http.call("POST", "/auth/token", {
      form: { grant_type: "refresh_token", refresh_token: u.refresh },
    });
    strictEqual(refreshed.status, 200);
    strictEqual(
      (await http.call("POST", "/auth/logout", { token: refreshed.data.access_token })).status,
      204,
    );

    // TRACE (fetch refuses to send it) on a known path: 405 with Allow, over a raw socket.
    const trace = await rawRequest(api.url, "TRACE /orders/ HTTP/1.1");
    ok(trace.startsWith("HTTP/1.1 405"), trace);
    ok(/\r\nallow: POST, OPTIONS\r\n/i.test(trace), trace);

    const spec = await http.call("GET", "/openapi.json");
    strictEqual(spec.data.openapi, "3.1.0");
    ok(spec.data.paths["/orders"].post.responses["422"]);
    ok(spec.data.components.securitySchemes.OAuth2PasswordBearer.flows.password.tokenUrl);
    const docs = await http.call("GET", "/docs");
    ok(docs.text.includes("/docs/assets/swagger-ui-dist/swagger-ui-bundle.js"));
    ok(!docs.text.includes("cdn."), "docs must not need the internet");
    const bundle = await fetch(`${api.url}/docs/assets/swagger-ui-dist/swagger-ui-bundle.js`);
    strictEqual(bundle.status, 200);
    ok((await bundle.arrayBuffer()).byteLength > 100_000);

    const logLine = api.logs.map((l) => {
      try {
        return JSON.parse(l);
      } catch {
        return {};
      }
    })
      .find((l) => l.msg === "request" && l.route === "/orders/:order_id" && l.method === "PATCH");
    ok(logLine?.request_id && logLine.duration_ms >= 0 && logLine.status === 200);
    ok(!api.logs.some((l) => l.includes(u.password)), "no password in logs");
  } finally {
    const status = await api.stop("SIGTERM");
    strictEqual(status.code, 0, api.logs.slice(-5).join("\n"));
  }
});
