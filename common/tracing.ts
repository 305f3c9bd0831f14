// OpenTelemetry helpers shared by the API and the worker. Spans go through
// `@opentelemetry/api`, which is a no-op until a tracer provider is registered: Deno's
// built-in OpenTelemetry in the API (OTEL_DENO=true), the SDK in the worker (worker/tracing.ts).
// So with tracing off, every helper here costs a function call and nothing else.
import {
  type Attributes,
  type Context,
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";

export { SpanKind };

const TRACER = "order-service";
const w3c = new W3CTraceContextPropagator();

/** The active span, only when it is recorded (tracing on and sampled). */
export function activeRecordingSpan(): Span | undefined {
  const span = trace.getActiveSpan();
  return span?.isRecording() ? span : undefined;
}

/** `trace_id` and `span_id` of the active span for log lines; empty when none is active. */
export function traceFields(): { trace_id?: string; span_id?: string } {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return trace.isSpanContextValid(span.spanContext()) ? { trace_id: traceId, span_id: spanId } : {};
}

/** The W3C `traceparent` of the active span, or undefined when no span is active. */
export function currentTraceparent(): string | undefined {
  if (!trace.getActiveSpan()) return undefined;
  const carrier: Record<string, string> = {};
  w3c.inject(context.active(), carrier, defaultTextMapSetter);
  return carrier.traceparent;
}

/** A context whose parent is the span a `traceparent` names (ROOT when absent or invalid). */
export function contextFromTraceparent(traceparent: string | null | undefined): Context {
  if (!traceparent) return ROOT_CONTEXT;
  return w3c.extract(ROOT_CONTEXT, { traceparent }, defaultTextMapGetter);
}

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  /** Parent context; by default the active one. */
  parent?: Context;
  /** Only trace when a recorded span is already active (for spans under a request). */
  onlyUnderSpan?: boolean;
}

/** Runs `fn` inside a span that records an exception and ends when `fn` settles. */
export async function withSpan<T>(
  name: string,
  opts: SpanOptions,
  fn: (span: Span | undefined) => Promise<T>,
): Promise<T> {
  if (opts.onlyUnderSpan && !activeRecordingSpan()) return await fn(undefined);
  const tracer = trace.getTracer(TRACER);
  const parent = opts.parent ?? context.active();
  const span = tracer.startSpan(name, { kind: opts.kind, attributes: opts.attributes }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (error) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
    throw error;
  } finally {
    span.end();
  }
}
