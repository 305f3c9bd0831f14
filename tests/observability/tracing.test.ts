// One trace across the whole event path, through real processes: the API (Deno's built-in
// OpenTelemetry) → outbox row → relay publish → Kafka record header → Bun worker (OTel SDK),
// all exported over OTLP/HTTP to a receiver inside this test.
import assert from "node:assert/strict";
import { ORDER_TOPIC } from "../../common/events/order-created.ts";
import { testConfig } from "../helpers/config.ts";
import { type ReceivedSpan, SpanKinds, startOtlpReceiver } from "../helpers/otlp.ts";
import { placeOrder, startApi } from "../helpers/processes.ts";
import { collect } from "../helpers/kafka.ts";
import { connect, opts, waitFor } from "../helpers/events.ts";
import { startWorker } from "../helpers/worker.ts";

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

/** The JSON log lines an API process has written so far. */
const logLines = (logs: string[]): Record<string, unknown>[] =>
  logs.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));

Deno.test(
  "one order is one trace: server span → publish span → worker span, traceparent on the record",
  opts,
  async () => {
    const receiver = startOtlpReceiver();
    const sql = connect();
    const records = await (await collect(ORDER_TOPIC)).start();
    const worker = await startWorker({
      WORKER_SIMULATED_WORK_MS: "0",
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    });
    const api = await startApi({
      OUTBOX_SWEEP_INTERVAL_MS: "500",
      OTEL_DENO: "true",
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_SERVICE_NAME: "order-service-api",
    });
    try {
      const created = await placeOrder(api.url, "traced", { items: { sku: 1 }, order_price: 5 });
      assert.equal(created.status, 201);
      const order = created.data;

      // The record carries the creating request's trace context.
      const record = await waitFor(
        "the record",
        () => records.records.find((r) => r.key === order.id),
      );
      const match = TRACEPARENT.exec(record.headers.traceparent ?? "");
      assert.ok(match, `valid traceparent header: ${record.headers.traceparent}`);
      const [, traceId, parentId] = match;
      const [row] = await sql`select traceparent from outbox where record_key = ${order.id}`;
      assert.equal(row.traceparent, record.headers.traceparent, "stored in the outbox row");

      const inTrace = () => receiver.spans.filter((s) => s.traceId === traceId);
      const find = (what: string, pick: (s: ReceivedSpan) => boolean) =>
        waitFor(what, () => inTrace().find(pick), 30_000, 100);
      const server = await find("the API's server span", (s) => s.kind === SpanKinds.SERVER);
      assert.equal(server.service, "order-service-api");
      assert.equal(server.name, "POST /orders", "named after the route");
      assert.equal(server.spanId, parentId, "the traceparent names the server span");
      const publish = await find("the relay's publish span", (s) => s.kind === SpanKinds.PRODUCER);
      assert.equal(publish.name, "new_order publish");
      assert.equal(publish.parentSpanId, server.spanId);
      assert.equal(publish.attributes["messaging.kafka.message.key"], order.id);
      const processing = await find("the worker's span", (s) => s.kind === SpanKinds.CONSUMER);
      assert.equal(processing.service, "order-worker");
      assert.equal(processing.name, "new_order process");
      assert.equal(processing.parentSpanId, server.spanId, "continues the record's traceparent");
      assert.equal(processing.attributes["order_worker.outcome"], "processed");
      const db = await find(
        "the order statement's span",
        (s) => s.name === "pg create_order",
      );
      assert.equal(db.parentSpanId, server.spanId);
      await find("a Redis span", (s) => s.name === "redis" && s.kind === SpanKinds.CLIENT);

      // Log lines written under the request carry its trace and span ids.
      // Lines are written in batches and arrive through a pipe: wait for the line, don't race it.
      const line = await waitFor(
        "the request's access line",
        () =>
          logLines(api.logs).find((l) =>
            l.msg === "request" && l.route === "/orders" && l.method === "POST"
          ),
      );
      assert.equal(line.trace_id, traceId);
      assert.equal(line.span_id, server.spanId);
    } finally {
      await api.stop();
      worker.kill("SIGTERM");
      await worker.status;
      await records.stop();
      await sql.end();
      await receiver.close();
    }
  },
);

Deno.test("tracing off: no traceparent is stored or sent", opts, async () => {
  const sql = connect();
  const records = await (await collect(ORDER_TOPIC)).start();
  const api = await startApi({ OUTBOX_SWEEP_INTERVAL_MS: "500" });
  try {
    const { data: order } = await placeOrder(api.url, "untraced", {
      items: { sku: 1 },
      order_price: 5,
    });
    const record = await waitFor(
      "the record",
      () => records.records.find((r) => r.key === order.id),
    );
    assert.equal(record.headers.traceparent, undefined);
    const [row] = await sql`select traceparent from outbox where record_key = ${order.id}`;
    assert.equal(row.traceparent, null);
    const line = await waitFor(
      "an access line",
      () => logLines(api.logs).find((l) => l.msg === "request"),
    );
    assert.equal(line.trace_id, undefined);
  } finally {
    await api.stop();
    await records.stop();
    await sql.end();
  }
});

Deno.test("API config: an OTLP endpoint without OTEL_DENO=true is refused", () => {
  const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318" };
  assert.throws(() => testConfig(endpoint), /OTEL_DENO: must be true/);
  assert.equal(testConfig({ ...endpoint, OTEL_DENO: "true" }).tracing.enabled, true);
  assert.equal(testConfig().tracing.enabled, false);
});
