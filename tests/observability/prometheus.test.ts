// A real Prometheus scrapes a real API process and a real worker process while orders flow;
// the assertions go through Prometheus's HTTP API, as an operator's queries and alerts would.
// Rows other tests left in the outbox (pending, parked, even unpublishable) may still be there:
// the test follows its own orders, and compares the outbox gauges with the table itself.
import assert from "node:assert/strict";
import { uniqueIp } from "../helpers/config.ts";
import { client } from "../helpers/http.ts";
import { startApi } from "../helpers/processes.ts";
import { startPrometheus } from "../helpers/prometheus.ts";
import { waitFor } from "../helpers/wait.ts";
import { connect, opts } from "../helpers/events.ts";
import { startWorker } from "../helpers/worker.ts";

const ORDERS = 5;

Deno.test(
  "Prometheus scrapes the API and the worker: up, request rate, outbox drained, records processed",
  opts,
  async () => {
    const sql = connect();
    const api = await startApi({ OUTBOX_SWEEP_INTERVAL_MS: "500" });
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
      const created: string[] = [];
      for (let i = 0; i < ORDERS; i++) {
        const res = await http.call("POST", "/orders", {
          token: u.token,
          json: { items: { sku: i }, order_price: 2 },
        });
        assert.equal(res.status, 201);
        lastId = res.data.id;
        created.push(lastId);
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
      // This test's rows are published, and the gauge shows what the table holds.
      await waitFor(async () => {
        const [{ mine, pending }] = await sql`select
            count(*) filter (where record_key = any(${created}) and state = 'sent')::int as mine,
            count(*) filter (where state = 'pending')::int as pending
          from outbox`;
        return mine === ORDERS &&
          (await value('outbox_published_total{job="api"}')) >= ORDERS &&
          (await value('outbox_pending_events{job="api"}')) === pending;
      }, { timeoutMs: 30_000, intervalMs: 250, what: "outbox_pending_events as in the table" });
      // The worker's count includes any event of another test published meanwhile; which
      // events it processed is in the table.
      await waitFor(async () => {
        const [{ n }] = await sql`select count(*)::int as n from processed_events
          where order_id = any(${created}::uuid[])`;
        return n === ORDERS &&
          (await value('worker_records_total{job="worker",result="processed"}')) >= ORDERS;
      }, { timeoutMs: 30_000, intervalMs: 250, what: `${ORDERS} processed records` });
      assert.equal(typeof await value('worker_records_total{job="worker",result="dlq"}'), "number");
      assert.ok(await value('outbox_oldest_pending_age_seconds{job="api"}') >= 0);
    } finally {
      await prometheus.stop();
      await api.stop();
      worker.kill("SIGTERM");
      await worker.status;
      await sql.end();
    }
  },
);
