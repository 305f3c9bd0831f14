// An in-test OTLP/HTTP trace receiver: accepts POST /v1/traces in the JSON encoding (the API
// sends it with OTEL_EXPORTER_OTLP_PROTOCOL=http/json, the worker's exporter always does) and
// keeps every span. Other signals (/v1/logs, /v1/metrics from Deno) are accepted and dropped.

export interface ReceivedSpan {
  service: string;
  scope: string;
  name: string;
  kind: number; // 1 internal, 2 server, 3 client, 4 producer, 5 consumer
  traceId: string;
  spanId: string;
  parentSpanId: string;
  attributes: Record<string, unknown>;
}

export const SpanKinds = { SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 } as const;

interface AnyValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
}
interface KeyValue {
  key: string;
  value: AnyValue;
}

const plain = (attrs: KeyValue[] = []) =>
  Object.fromEntries(
    attrs.map(({ key, value }) => [
      key,
      value.stringValue ?? value.intValue ?? value.boolValue ?? value.doubleValue,
    ]),
  );

export function startOtlpReceiver() {
  const spans: ReceivedSpan[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const url = new URL(req.url);
    if (req.method === "POST" && url.pathname === "/v1/traces") {
      if (!req.headers.get("content-type")?.includes("json")) {
        return new Response("JSON only", { status: 415 });
      }
      const body = await req.json();
      for (const rs of body.resourceSpans ?? []) {
        const service = String(plain(rs.resource?.attributes)["service.name"] ?? "");
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) {
            spans.push({
              service,
              scope: ss.scope?.name ?? "",
              name: s.name,
              kind: s.kind,
              traceId: s.traceId,
              spanId: s.spanId,
              parentSpanId: s.parentSpanId ?? "",
              attributes: plain(s.attributes),
            });
          }
        }
      }
    } else {
      await req.body?.cancel();
    }
    return new Response("{}", { headers: { "content-type": "application/json" } });
  });
  return {
    endpoint: `http://127.0.0.1:${server.addr.port}`,
    spans,
    close: () => server.shutdown(),
  };
}
