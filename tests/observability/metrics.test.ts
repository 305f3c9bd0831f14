// Prometheus metrics through real processes: the API's /metrics on its own port (never on the
// public one) and the worker's beside /internal/alive, with every family the operators use.
import assert from "node:assert/strict";
import { uniqueIp } from "../helpers/config.ts";
import { client } from "../helpers/http.ts";
import { API_FAMILIES, WORKER_FAMILIES } from "../helpers/metric-families.ts";
import { startApi } from "../helpers/processes.ts";
import { opts, waitFor } from "../helpers/events.ts";
import { startWorker } from "../helpers/worker.ts";

/** `# TYPE name kind` lines of an exposition. */
const families = (text: string) =>
  new Set([...text.matchAll(/^# TYPE (\S+) \S+$/gm)].map((m) => m[1]));

/** The value of the first sample whose line starts with `prefix` (name plus labels). */
function sample(text: string, prefix: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(prefix));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}

async function scrape(url: string) {
  const res = await fetch(`${url}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  return await res.text();
}

Deno.test(
  "API: /metrics on METRICS_PORT with every family, route templates, 404 on the public port",
  opts,
  async () => {
    const api = await startApi({
      SLOWAPI_RATELIMIT: "100000/minute",
      LOGIN_RATELIMIT: "1/minute",
      DB_POOL_MAX: "7", // the gauge reports the configured size, whatever the default
    });
    try {
      const http = client(api.url, { "X-Forwarded-For": uniqueIp() });
      const publicMetrics = await http.call("GET", "/metrics");
      assert.equal(publicMetrics.status, 404, "never on the public port");

      const u = await http.user("metrics");
      const { data: order } = await http.call("POST", "/orders", {
        token: u.token,
        json: { items: { sku: 1 }, order_price: 3 },
      });
      for (let i = 0; i < 2; i++) await http.call("GET", `/orders/${order.id}`, { token: u.token });
      // The login limit (1/minute for this account and client) was used by http.user().
      const limited = await http.call("POST", "/auth/token", {
        form: { username: u.email, password: u.password },
      });
      assert.equal(limited.status, 429);

      const text = await scrape(api.metricsUrl);
      const missing = API_FAMILIES.filter((name) => !families(text).has(name));
      assert.deepEqual(missing, [], "every API family is exported");
      // The route template, never the raw path with the order id.
      assert.ok(!text.includes(order.id), "no raw ids in labels");
      assert.ok(
        sample(text, 'http_requests_total{method="GET",route="/orders/:order_id",status="200"}')! >=
          2,
      );
      assert.ok(
        sample(text, 'http_requests_total{method="POST",route="/orders",status="201"}')! >= 1,
      );
      assert.ok(sample(text, "orders_created_total")! >= 1);
      assert.ok(sample(text, 'order_cache_requests_total{result="hit"}')! >= 1);
      assert.ok(sample(text, 'rate_limit_rejected_total{limiter="login"}')! >= 1);
      assert.ok(sample(text, "password_hash_duration_seconds_count")! >= 2, "register + login");
      assert.equal(sample(text, 'db_pool_connections{state="max"}'), 7);
      assert.ok(sample(text, 'db_pool_connections{state="idle"}')! >= 1, "the pool's own sessions");
      assert.ok(Number.isFinite(sample(text, "outbox_pending_events")));
      await waitFor(
        "the relay to publish",
        async () => sample(await scrape(api.metricsUrl), "outbox_published_total")! >= 1,
      );
    } finally {
      await api.stop();
    }
  },
);

Deno.test("API: METRICS_ENABLED=false serves no metrics port", opts, async () => {
  const api = await startApi({ METRICS_ENABLED: "false" });
  try {
    assert.ok(!api.logs.some((line) => line.includes('"metrics listening"')));
    const res = await fetch(`${api.url}/metrics`);
    await res.body?.cancel();
    assert.equal(res.status, 404);
  } finally {
    await api.stop();
  }
});

Deno.test(
  "worker: /metrics beside /internal/alive with every family and record results",
  opts,
  async () => {
    const worker = await startWorker({ WORKER_SIMULATED_WORK_MS: "0" });
    const api = await startApi({ OUTBOX_SWEEP_INTERVAL_MS: "500" });
    try {
      const base = `http://127.0.0.1:${worker.port}`;
      const before = sample(await scrape(base), 'worker_records_total{result="processed"}');
      assert.equal(before, 0, "results are exported at 0 from the start");
      const http = client(api.url, { "X-Forwarded-For": uniqueIp() });
      const u = await http.user("worker-metrics");
      for (let i = 0; i < 3; i++) {
        const res = await http.call("POST", "/orders", {
          token: u.token,
          json: { items: { sku: i }, order_price: 1 },
        });
        assert.equal(res.status, 201);
      }
      const text = await waitFor("3 processed records", async () => {
        const text = await scrape(base);
        return sample(text, 'worker_records_total{result="processed"}') === 3 && text;
      });
      const missing = WORKER_FAMILIES.filter((name) => !families(text).has(name));
      assert.deepEqual(missing, [], "every worker family is exported");
      assert.equal(sample(text, "worker_record_duration_seconds_count"), 3);
      assert.equal(sample(text, "worker_in_flight"), 0);
      assert.match(text, /^worker_consumer_lag\{topic="new_order",partition="\d"\} 0$/m);
    } finally {
      await api.stop();
      worker.kill("SIGTERM");
      await worker.status;
    }
  },
);
