// An in-process app over real PostgreSQL and Redis, driven with app.request().
import { ok, strictEqual } from "node:assert/strict";
import { createApp } from "../../api/app.ts";
import { createDeps } from "../../api/deps.ts";
import { createLogger } from "../../common/logger.ts";
import { testConfig, uniqueEmail, uniqueIp } from "./config.ts";

export type TestApp = ReturnType<typeof createTestApp>;

export function createTestApp(overrides: Record<string, string> = {}) {
  const config = testConfig(overrides);
  const { deps, close } = createDeps(config, createLogger("critical"));
  const app = createApp(deps);
  const ip = uniqueIp();

  /** app.request with the client address a real socket would give. */
  function request(path: string, init: RequestInit = {}, fromIp = ip) {
    return app.request(path, init, { remoteAddr: { hostname: fromIp } });
  }

  function json(method: string, path: string, body: unknown, token?: string, headers = {}) {
    return request(path, {
      method,
      headers: {
        "Content-Type": "application/json",
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: JSON.stringify(body),
    });
  }

  function get(path: string, token?: string) {
    return request(path, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  }

  function form(path: string, fields: Record<string, string>, fromIp = ip) {
    return request(path, { method: "POST", body: new URLSearchParams(fields) }, fromIp);
  }

  /** Registers a fresh user and logs in. */
  async function user(tag = "user") {
    const email = uniqueEmail(tag);
    const password = "correct horse battery";
    const registered = await json("POST", "/register", { email, password });
    if (registered.status !== 201) throw new Error(`register: ${registered.status}`);
    const { id } = await registered.json();
    const login = await form("/auth/token", { username: email, password });
    if (login.status !== 200) throw new Error(`login: ${login.status}`);
    const tokens = await login.json();
    return {
      id: id as string,
      email,
      password,
      token: tokens.access_token as string,
      refresh: tokens.refresh_token as string,
    };
  }

  async function order(token: string, body: unknown = { items: { sku: 1 }, order_price: 10.5 }) {
    const res = await json("POST", "/orders", body, token);
    if (res.status !== 201) throw new Error(`create order: ${res.status} ${await res.text()}`);
    return await res.json();
  }

  return { app, deps, config, close, request, json, get, form, user, order };
}

/** Deno.test without the resource/op sanitizers: pools and sockets outlive single tests. */
export function test(name: string, fn: (t: Deno.TestContext) => Promise<void> | void) {
  Deno.test({ name, fn, sanitizeOps: false, sanitizeResources: false });
}

export async function expectProblem(res: Response, status: number) {
  const text = await res.text();
  strictEqual(res.status, status, `expected ${status}, got ${res.status}: ${text}`);
  strictEqual(res.headers.get("content-type"), "application/problem+json");
  const body = JSON.parse(text);
  strictEqual(body.status, status);
  ok(typeof body.type === "string" && typeof body.title === "string");
  ok(typeof body.detail === "string");
  return body;
}
