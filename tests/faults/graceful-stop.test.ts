// SIGTERM under load, over real HTTP against a real API process: every request the API had
// accepted before the signal completes (2xx; refused connections were never accepted), the relay stops and the pools close ("stopped"),
// and the process exits 0, i.e. before SHUTDOWN_TIMEOUT_MS (past it, it exits 1).
import { ok, strictEqual } from "node:assert/strict";
import { uniqueIp } from "../helpers/config.ts";
import { client } from "../helpers/http.ts";
import { orderTraffic, startLoad, summary } from "../helpers/load.ts";
import { startApi } from "../helpers/processes.ts";
import { waitFor } from "../helpers/wait.ts";

Deno.test({
  name: "SIGTERM under load: in-flight requests complete, the process exits 0 in time",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const api = await startApi({ SHUTDOWN_TIMEOUT_MS: "20000" });
    const ip = uniqueIp();
    const user = await client(api.url, { "X-Forwarded-For": ip }).user("graceful");
    const load = startLoad(orderTraffic(api.url, user.token, ip), { workers: 8 });
    try {
      await waitFor(() => load.count("2xx") >= 30, { timeoutMs: 30_000, what: "load" });
      const signalAt = performance.now();
      const status = await api.stop("SIGTERM");
      const outcomes = await load.stop();

      const detail = `${summary(outcomes)}\n${api.logs.slice(-10).join("\n")}`;
      strictEqual(status.code, 0, `exit code (1 means the shutdown deadline hit): ${detail}`);
      ok(api.logs.some((l) => l.includes('"msg":"stopped"')), "relay stopped, pools closed");
      const inFlight = outcomes.filter((o) =>
        o.startedAt < signalAt && o.startedAt + o.ms > signalAt
      );
      ok(inFlight.length > 0, `some requests were in flight at the signal: ${detail}`);
      // Sent before the signal but refused at TCP connect: never accepted, so not owed an
      // answer. Anything accepted (a connection that was open) must have completed.
      const accepted = outcomes.filter((o) =>
        o.startedAt < signalAt && !/Connection refused|ECONNREFUSED/.test(o.error ?? "")
      );
      for (const o of accepted) {
        ok(
          o.status >= 200 && o.status < 300,
          `${o.op} sent ${Math.round(signalAt - o.startedAt)} ms before SIGTERM → ${o.status} ` +
            `after ${Math.round(o.ms)} ms: ${detail}`,
        );
      }
    } finally {
      await load.stop();
      await api.stop("SIGKILL");
    }
  },
});
