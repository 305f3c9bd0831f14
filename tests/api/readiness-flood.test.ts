// A flood of GET /health/ready must not starve the outbox relay nor mark the instance down:
// concurrent checks share one probe on a connection of their own, and the relay's queries never
// wait for a connection (outbox_relay_pool_waits_total stays 0).
import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { createApp } from "../../api/app.ts";
import { createDeps } from "../../api/deps.ts";
import { createProcessRelay } from "../../api/events/process-relay.ts";
import { apiMetrics } from "../../api/metrics/metrics.ts";
import { createLogger } from "../../common/logger.ts";
import { ORDER_TOPIC } from "../../common/events/order-created.ts";
import { test } from "../helpers/app.ts";
import { testConfig, uniqueEmail, uniqueIp } from "../helpers/config.ts";
import { waitFor } from "../helpers/wait.ts";
import { collect } from "../helpers/kafka.ts";
import { uniqueLockKey } from "../helpers/events.ts";

const FLOOD = 2_000;
const ORDERS = 100;

const relayWaits = async () => (await apiMetrics.relayPoolWaits.get()).values[0]?.value ?? 0;

test("2,000 concurrent readiness checks while 100 orders are created: all published, ready, no relay wait", async () => {
  const config = testConfig();
  const { deps, close } = createDeps(config, createLogger("critical"));
  const relay = createProcessRelay(deps, config, { lockKey: uniqueLockKey() });
  const app = createApp(deps);
  const records = await (await collect(ORDER_TOPIC)).start();
  const ask = (path: string, init: RequestInit = {}) =>
    app.request(path, init, { remoteAddr: { hostname: uniqueIp() } });
  try {
    await relay.start();
    await waitFor(async () => {
      const status = relay.status();
      return status.leader && status.producer === "connected" &&
        (await (await ask("/health/ready")).json()).status === "ok";
    }, { what: "the relay leading and readiness ok", timeoutMs: 30_000 });
    const email = uniqueEmail("flood");
    const password = "correct horse battery";
    strictEqual((await ask("/register", jsonBody({ email, password }))).status, 201);
    const login = await ask("/auth/token", {
      method: "POST",
      body: new URLSearchParams({ username: email, password }),
    });
    const token = (await login.json()).access_token as string;

    const waitsBefore = await relayWaits();
    const flood = Array.from({ length: FLOOD }, () => ask("/health/ready"));
    const created: string[] = [];
    for (let i = 0; i < ORDERS; i += 10) {
      const batch = await Promise.all(Array.from({ length: 10 }, () =>
        ask("/orders", {
          ...jsonBody({ items: { sku: i }, order_price: 1 }),
          headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
        })));
      for (const res of batch) {
        strictEqual(res.status, 201);
        created.push((await res.json()).id);
      }
    }
    const answers = await Promise.all(
      flood.map(async (res) => `${(await res).status} ${JSON.stringify(await (await res).json())}`),
    );
    const tally: Record<string, number> = {};
    for (const answer of answers) tally[answer] = (tally[answer] ?? 0) + 1;

    await waitFor(() => {
      const seen = new Set(records.records.map((r) => r.key));
      return created.every((id) => seen.has(id));
    }, { what: `all ${ORDERS} orders in Kafka`, timeoutMs: 60_000 });
    // Readiness stayed ok, and no relay query waited for a connection.
    deepStrictEqual(
      { readiness: tally, relayWaits: await relayWaits() - waitsBefore },
      { readiness: { [`200 {"status":"ok"}`]: FLOOD }, relayWaits: 0 },
    );
  } finally {
    await relay.stop();
    await records.stop();
    await close();
  }
});

function jsonBody(body: unknown): RequestInit {
  return {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  };
}
