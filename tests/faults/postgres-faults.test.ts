// PostgreSQL faults under load, against a real API process and a PRIVATE PostgreSQL (the
// shared one other tests use is never touched): every session terminated (three times), a
// stop and a SIGSTOP. The API must stay up, answer every request with 2xx or 503 problem+json
// with Retry-After within its deadline (REQUEST_TIMEOUT_MS), and serve again once PostgreSQL
// is back. The relay holds its leader lock on a reserved connection throughout, the path
// where unpatched postgres.js killed the process (issue 7). The worker (Bun) runs against the
// same private PostgreSQL, consuming the orders the load creates, and must survive too.
import { ok } from "node:assert/strict";
import { uniqueIp } from "../helpers/config.ts";
import { client } from "../helpers/http.ts";
import { type Load, orderTraffic, type Outcome, startLoad, summary } from "../helpers/load.ts";
import { type PrivatePostgres, privatePostgres } from "../helpers/private-postgres.ts";
import { type RunningApi, startApi } from "../helpers/processes.ts";
import { waitFor } from "../helpers/wait.ts";
import { startWorker } from "../helpers/worker.ts";

const BOUND_MS = 2_000;
// The machine running the tests is shared and slow: allow for a late timer, not for a hang.
const SLACK_MS = 4_000;
const WORKERS = 6;

function assertOnly2xxOr503(outcomes: Outcome[], api: RunningApi) {
  const detail = summary(outcomes);
  ok(api.alive(), `the API process died:\n${api.logs.slice(-20).join("\n")}`);
  for (const o of outcomes) {
    ok((o.status >= 200 && o.status < 300) || o.status === 503, `${o.op} → ${o.status}: ${detail}`);
    if (o.status === 503) {
      ok(o.retryAfter, `503 without Retry-After: ${detail}`);
      ok(o.contentType?.includes("application/problem+json"), `503 not problem+json: ${detail}`);
    }
    ok(o.ms < BOUND_MS + SLACK_MS, `${o.op} took ${Math.round(o.ms)} ms: ${detail}`);
  }
  const escaped = api.logs.filter((line) => line.includes('"critical"'));
  ok(escaped.length === 0, `an error escaped to the process level:\n${escaped.join("\n")}`);
}

/** Waits until `more` further answers with this status have arrived. */
async function progress(load: Load, status: number | "2xx", more: number, what: string) {
  const target = load.count(status) + more;
  await waitFor(() => load.count(status) >= target, { timeoutMs: 30_000, what });
}

Deno.test({
  name:
    "PostgreSQL terminate-all, stop and SIGSTOP under load: API survives, 2xx/503 only, recovers",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const pg: PrivatePostgres = await privatePostgres();
    const cleanup: (() => Promise<void>)[] = [];
    const api = await startApi({
      DATABASE_URL: pg.url,
      REQUEST_TIMEOUT_MS: String(BOUND_MS),
      SLOWAPI_RATELIMIT: "1000000/minute",
    }).catch(async (error) => {
      await pg.destroy(); // never leave a private PostgreSQL running
      throw error;
    });
    try {
      const ip = uniqueIp();
      const http = client(api.url, { "X-Forwarded-For": ip });
      const user = await http.user("pg-faults");
      // The relay is leader, so its lock sits on a reserved connection, and one of the ops
      // pool, not of the request pool.
      await waitFor(async () => {
        const [lock] = await pg.admin((sql) =>
          sql<{ application_name: string }[]>`
            select a.application_name from pg_locks l join pg_stat_activity a using (pid)
            where l.locktype = 'advisory' and l.granted`
        );
        return lock?.application_name === "order-service-ops";
      }, { timeoutMs: 30_000, what: "the relay to hold its lock on an ops-pool connection" });
      const worker = await startWorker({ DATABASE_URL: pg.url, LOGGING_LVL: "WARNING" });
      let workerExited = false;
      worker.status.then(() => (workerExited = true));
      const assertWorkerRunning = () =>
        ok(!workerExited, `the worker process died:\n${worker.output().slice(-3000)}`);
      cleanup.push(async () => {
        worker.kill("SIGKILL");
        await worker.status;
      });
      const traffic = () => startLoad(orderTraffic(api.url, user.token, ip), { workers: WORKERS });

      await t.step("terminate every session three times", async () => {
        const load = traffic();
        for (let round = 0; round < 3; round++) {
          await progress(load, "2xx", 10, "requests to succeed before the fault");
          ok((await pg.terminateAll()) > 0, "sessions were terminated");
        }
        await progress(load, "2xx", 10, "requests to succeed after the faults");
        const outcomes = await load.stop();
        console.log(`terminate-all x3: ${summary(outcomes)}`);
        assertOnly2xxOr503(outcomes, api);
        assertWorkerRunning();
      });

      await t.step("PostgreSQL stopped, then started", async () => {
        const load = traffic();
        await progress(load, "2xx", 5, "requests to succeed before the fault");
        await pg.stop();
        await progress(load, 503, 3 * WORKERS, "503s while PostgreSQL is down");
        await pg.start();
        const back = performance.now();
        await progress(load, "2xx", 1, "a request to succeed once PostgreSQL is back");
        const recoveredMs = Math.round(performance.now() - back);
        await progress(load, "2xx", 5, "requests to succeed once PostgreSQL is back");
        const outcomes = await load.stop();
        console.log(`stop/start: ${summary(outcomes)}, first 2xx ${recoveredMs} ms after start`);
        assertOnly2xxOr503(outcomes, api);
        assertWorkerRunning();
      });

      await t.step("PostgreSQL hung (SIGSTOP), then resumed", async () => {
        const load = traffic();
        await progress(load, "2xx", 5, "requests to succeed before the fault");
        await pg.freeze();
        try {
          // Each of these waits out the deadline: a few rounds of them is a hang well past
          // BOUND_MS + SLACK_MS, which without the deadline would show as a slow answer.
          await progress(load, 503, 4 * WORKERS, "503s while PostgreSQL is hung");
        } finally {
          await pg.thaw();
        }
        const back = performance.now();
        await progress(load, "2xx", 1, "a request to succeed once PostgreSQL resumes");
        const recoveredMs = Math.round(performance.now() - back);
        await progress(load, "2xx", 5, "requests to succeed once PostgreSQL resumes");
        const outcomes = await load.stop();
        console.log(`SIGSTOP: ${summary(outcomes)}, first 2xx ${recoveredMs} ms after SIGCONT`);
        assertOnly2xxOr503(outcomes, api);
        assertWorkerRunning();
      });
    } finally {
      for (const fn of cleanup) await fn();
      await api.stop();
      await pg.destroy();
    }
  },
});
