// Closed-loop HTTP load for fault tests: `workers` clients each send one request after the
// other until stopped, and every outcome is recorded (status, Retry-After, content type, how
// long it took, or the network error), so a test can assert on all of them afterwards.
export interface Outcome {
  op: string;
  status: number; // 0: no HTTP answer (connection refused/reset, or the client gave up)
  retryAfter: string | null;
  contentType: string | null;
  ms: number;
  startedAt: number;
  error?: string;
}

export interface Load {
  outcomes: Outcome[];
  /** How many answers with this status (or 2xx for "2xx") arrived so far. */
  count(status: number | "2xx"): number;
  stop(): Promise<Outcome[]>;
}

export type Step = (signal: AbortSignal) => Promise<{ op: string; response: Response }>;

/** giveUpMs: a client-side cap, so a hung server shows up as status 0 instead of a stuck test. */
export function startLoad(step: Step, { workers = 6, giveUpMs = 30_000 } = {}): Load {
  const outcomes: Outcome[] = [];
  let running = true;
  const loops = Array.from({ length: workers }, async () => {
    while (running) {
      const startedAt = performance.now();
      try {
        const { op, response } = await step(AbortSignal.timeout(giveUpMs));
        await response.arrayBuffer();
        outcomes.push({
          op,
          status: response.status,
          retryAfter: response.headers.get("retry-after"),
          contentType: response.headers.get("content-type"),
          ms: performance.now() - startedAt,
          startedAt,
        });
      } catch (error) {
        outcomes.push({
          op: "?",
          status: 0,
          retryAfter: null,
          contentType: null,
          ms: performance.now() - startedAt,
          startedAt,
          error: String((error as { cause?: unknown })?.cause ?? error),
        });
        await new Promise((resolve) => setTimeout(resolve, 50)); // refused: do not spin
      }
    }
  });
  return {
    outcomes,
    count: (status) =>
      outcomes.filter((o) =>
        status === "2xx" ? o.status >= 200 && o.status < 300 : o.status === status
      )
        .length,
    async stop() {
      running = false;
      await Promise.all(loops);
      return outcomes;
    },
  };
}

/** POST /orders and GET it back, alternately, as one user. */
export function orderTraffic(base: string, token: string, ip: string): Step {
  let last: string | undefined;
  let flip = false;
  const headers = { Authorization: `Bearer ${token}`, "X-Forwarded-For": ip };
  return async (signal) => {
    flip = !flip;
    if (flip || !last) {
      const response = await fetch(`${base}/orders`, {
        method: "POST",
        headers: { ...headers, "Content-Type": "application/json" },
        body: JSON.stringify({ items: { widget: 1 }, order_price: 9.5 }),
        signal,
      });
      if (response.status === 201) {
        const body = await response.clone().json();
        last = body.id;
      }
      return { op: "POST /orders", response };
    }
    return {
      op: "GET /orders/{id}",
      response: await fetch(`${base}/orders/${last}`, { headers, signal }),
    };
  };
}

/** Summary for assertion messages: status → count, and the slowest answer. */
export function summary(outcomes: Outcome[]): string {
  const byStatus: Record<string, number> = {};
  for (const o of outcomes) byStatus[o.status] = (byStatus[o.status] ?? 0) + 1;
  const slowest = Math.max(0, ...outcomes.map((o) => o.ms));
  const errors = [...new Set(outcomes.filter((o) => o.error).map((o) => o.error))].slice(0, 3);
  return JSON.stringify({ byStatus, slowestMs: Math.round(slowest), errors });
}
