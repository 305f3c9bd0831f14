// Metrics and trace spans around one relay publish. Each outbox row gets a PRODUCER span whose
// parent is the request that created the order (the row's stored traceparent), so the trace
// runs request → publish; the record carries the same traceparent on to the worker.
import { type Span, SpanStatusCode, trace } from "@opentelemetry/api";
import { contextFromTraceparent, SpanKind } from "../../common/tracing.ts";
import { apiMetrics } from "../metrics/metrics.ts";

export interface PublishedRow {
  topic: string;
  record_key: string;
  traceparent: string | null;
}

function startSpans(rows: PublishedRow[]): Span[] {
  const tracer = trace.getTracer("order-service");
  return rows.filter((row) => row.traceparent).map((row) =>
    tracer.startSpan(`${row.topic} publish`, {
      kind: SpanKind.PRODUCER,
      attributes: {
        "messaging.system": "kafka",
        "messaging.operation.type": "send",
        "messaging.destination.name": row.topic,
        "messaging.kafka.message.key": row.record_key,
        "messaging.batch.message_count": rows.length,
      },
    }, contextFromTraceparent(row.traceparent))
  );
}

/** Runs `send` (the Kafka send of `rows`), counting and tracing its outcome. */
export async function observePublish<T>(rows: PublishedRow[], send: () => Promise<T>): Promise<T> {
  const spans = startSpans(rows);
  try {
    const result = await send();
    apiMetrics.outboxPublished.inc(rows.length);
    return result;
  } catch (error) {
    apiMetrics.outboxPublishFailures.inc(rows.length);
    for (const span of spans) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
    }
    throw error;
  } finally {
    for (const span of spans) span.end();
  }
}

/** The record headers with the creating request's `traceparent`, when it was traced. */
export function withTraceparent(
  headers: Record<string, string>,
  traceparent: string | null,
): Record<string, string> {
  return traceparent ? { ...headers, traceparent } : headers;
}
