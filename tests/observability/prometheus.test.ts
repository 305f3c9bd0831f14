// A real Prometheus scrapes a real API process and a real worker process while orders flow;
// the assertions go through Prometheus's HTTP API, as an operator's queries and alerts would.
import assert from "node:assert/strict";
import { uniqueIp } from "../helpers/config.ts";
import { client } from "../helpers/http.ts";
import { startApi } from "../helpers/processes.ts";
import { startPrometheus } from "../helpers/prometheus.ts";
import { waitFor } from "../helpers/wait.ts";
import { connect, opts } from "../events/helpers.ts";
import { startWorker } from "../events/worker_helpers.ts";

const ORDERS = 5;

Deno.test(
  "Prometheus scrapes the API and the worker: up, request rate, outbox drained, records processed",
  opts,
  async () => {
    const sql = connect();
    const api = await startApi({ OUTBOX_SWEEP_INTERVAL_MS: "500" });
    // Events left unpublished by earlier tests are published first, so the worker (which
    // starts at the end of the topic) sees exactly this test's orders.
    await waitFor(async () => {
      const [{ n }] = await sql`select count(*)::int as n from outbox where sent_at is null`;
      return n === 0;
    }, { timeoutMs: 60_000, intervalMs: 200, what: "an empty outbox" });
    const worker = await startWorker({ WORKER_SIMULATED_WORK_MS: "0" });
    const prometheus = await startPrometheus({
      api: new URL(api.metricsUrl).host,
      worker: `127.0.0.1:${worker.port}`,
    });
    const value = async (promql: string) => (await prometheus.query(promql))[0]?.value;
    try {
      await waitFor(async () => {
        const up = await prometheus.query("up");
        const byJob = Object.fromEntries(up.map((s) => [s.metric.job, s.value]));
        return byJob.api === 1 && byJob.worker === 1;
      }, { timeoutMs: 30_000, intervalMs: 250, what: "up == 1 for the api and worker targets" });

      const http = client(api.url, { "X-Forwarded-For": uniqueIp() });
      const u = await http.user("prometheus");
      let lastId = "";
      for (let i = 0; i < ORDERS; i++) {
        const res = await http.call("POST", "/orders", {
          token: u.token,
          json: { items: { sku: i }, order_price: 2 },
        });
        assert.equal(res.status, 201);
        lastId = res.data.id;
      }

      // rate() needs an increase between two scrapes of a series, so requests keep coming.
      await waitFor(
        async () => {
          await http.call("GET", `/orders/${lastId}`, { token: u.token });
          return (await value('sum(rate(http_requests_total{job="api"}[1m]))')) > 0;
        },
        { timeoutMs: 30_000, intervalMs: 250, what: "rate(http_requests_total[1m]) > 0" },
      );
      await waitFor(
        async () => (await value('orders_created_total{job="api"}')) === ORDERS,
        { timeoutMs: 30_000, intervalMs: 250, what: `orders_created_total == ${ORDERS}` },
      );
      await waitFor(
        async () =>
          (await value('outbox_published_total{job="api"}')) >= ORDERS &&
          (await value('outbox_pending_events{job="api"}')) === 0,
        { timeoutMs: 30_000, intervalMs: 250, what: "outbox_pending_events back to 0" },
      );
      await waitFor(
        async () =>
          (await value('worker_records_total{job="worker",result="processed"}')) === ORDERS,
        { timeoutMs: 30_000, intervalMs: 250, what: `${ORDERS} processed records` },
      );
      assert.equal(await value('worker_records_total{job="worker",result="dlq"}'), 0);
      assert.equal(await value('outbox_oldest_pending_age_seconds{job="api"}'), 0);
    } finally {
      await prometheus.stop();
      await api.stop();
      worker.kill("SIGTERM");
      await worker.status;
      await sql.end();
    }
  },
);
