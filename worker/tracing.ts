// The worker's OpenTelemetry: with OTEL_EXPORTER_OTLP_ENDPOINT set, the JS SDK exports spans
// over OTLP/HTTP (JSON) to <endpoint>/v1/traces; without it nothing is registered and the
// span helpers in common/tracing.ts cost nothing. Each record is handled in a CONSUMER span
// whose parent is the record's `traceparent` header (the request that created the order), so
// one trace covers request → outbox → Kafka → worker.
import { context, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { contextFromTraceparent, SpanKind, withSpan } from "../common/tracing.ts";
import type { Handler, InputRecord } from "./handle.ts";
import { observeRecord } from "./metrics.ts";

export function startTracing(opts: { endpoint?: string; serviceName: string }) {
  if (!opts.endpoint) return { shutdown: async () => {} };
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ "service.name": opts.serviceName }),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: new OTLPTraceExporter({ url: `${opts.endpoint.replace(/\/$/, "")}/v1/traces` }),
        scheduledDelayMillis: 1_000,
      }),
    ],
  });
  trace.setGlobalTracerProvider(provider);
  // Flushes the spans still queued, so a stopping worker loses none.
  return { shutdown: () => provider.shutdown() };
}

function header(record: InputRecord, name: string): string | undefined {
  const raw = record.headers?.[name];
  const first = Array.isArray(raw) ? raw[0] : raw;
  if (typeof first === "string") return first;
  return first instanceof Uint8Array ? new TextDecoder().decode(first) : undefined;
}

/** The handler inside a CONSUMER span continuing the record's trace, timed and counted. */
export function instrumentHandler(handle: Handler): Handler {
  // The context is passed on: it is how a record waiting out a pause heartbeats and learns
  // that the worker is stopping.
  return (record, ctx) =>
    withSpan(`${record.topic} process`, {
      kind: SpanKind.CONSUMER,
      parent: contextFromTraceparent(header(record, "traceparent")),
      attributes: {
        "messaging.system": "kafka",
        "messaging.operation.type": "process",
        "messaging.destination.name": record.topic,
        "messaging.destination.partition.id": String(record.partition),
        "messaging.kafka.offset": Number(record.offset),
      },
    }, async (span) => {
      const outcome = await observeRecord(() => handle(record, ctx));
      span?.setAttribute("order_worker.outcome", outcome.kind);
      return outcome;
    });
}
