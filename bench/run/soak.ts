// The soak: one fresh API process under minutes of mixed traffic, measured in consecutive
// windows, so that anything that builds up with traffic shows as a falling rate, a rising CPU
// cost per request or a growing RSS. It found the postgres.js pool queue that grew by one slot
// per query while the pool stayed busy (patches/postgres@3.4.9.patch, docs/performance.md).
//
// Every SQL-backed route is in the mix beside the cached read: the list, an uncached read (an
// unknown id: a database look-up each time, answered 404), POST, PATCH (to the status the
// order has: a locked read in a transaction), registration and login. bcrypt runs at cost 4
// here: at production cost a 1 % share of logins would saturate the hash workers and measure
// bcrypt instead of the request path.
import { ApiClient, type BenchUser, benchUser, inParallel, ORDER_BODY } from "../lib/client.ts";
import { round } from "../lib/proc.ts";
import { cpuSeconds, readMemory, sampleRss } from "../lib/resource-usage.ts";
import { type MixEntry, runWrk, type WrkResult } from "../lib/wrk.ts";
import { emailPrefix, log, settings } from "./config.ts";
import { startApi } from "./services.ts";

export interface SoakWindow extends WrkResult {
  window: number;
  /** The API process's CPU time (user + system) per request. */
  cpuUsPerRequest: number;
  peakRssMb: number;
  endRssMb: number;
}

/** A mix entry with the name the report gives it. */
export type SoakEntry = MixEntry & { label: string };

export interface Soak {
  windowS: number;
  mix: SoakEntry[];
  windows: SoakWindow[];
  /** Last window against the first. */
  rateRatio: number;
  cpuRatio: number;
  /** Least-squares slopes over the windows, per minute. */
  rateSlopePerMin: number;
  rssSlopeMbPerMin: number;
  peakRssMb: number;
}

/** Least-squares slope of ys against xs. */
export function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

function soakMix(user: BenchUser, orderIds: string[]): SoakEntry[] {
  const json = "application/json";
  const entry = (
    label: string,
    weight: number,
    method: MixEntry["method"],
    path: string,
    extra = {},
  ): SoakEntry => ({ label, weight, method, path, ...extra });
  const missing = "00000000-0000-7000-8000-000000000000";
  const patch = JSON.stringify({ status: "PENDING" });
  const register = JSON.stringify({
    email: `${emailPrefix}soak-{n}@example.com`,
    password: "soak-pass-1",
  });
  const login = new URLSearchParams({ username: user.email, password: user.password });
  return [
    ...orderIds.slice(0, 8).map((id) => entry("cached GET", 5, "GET", `/orders/${id}`)),
    entry("list", 25, "GET", `/orders/user/${user.id}?page=1&page_size=10`),
    entry("uncached GET (404)", 10, "GET", `/orders/${missing}`),
    entry("POST", 10, "POST", "/orders", { contentType: json, body: JSON.stringify(ORDER_BODY) }),
    ...orderIds.slice(8, 18).map((id) =>
      entry("PATCH (same status)", 1, "PATCH", `/orders/${id}`, { contentType: json, body: patch })
    ),
    entry("register", 1, "POST", "/register", { contentType: json, body: register }),
    entry("login", 1, "POST", "/auth/token", {
      contentType: "application/x-www-form-urlencoded",
      body: login.toString(),
    }),
  ];
}

export async function runSoak(): Promise<Soak> {
  const windows = Math.max(2, Math.round(settings.soakS / settings.soakWindowS));
  log(
    `soak: a fresh API, ${settings.soakWarmupS} s warm-up, then ${windows} windows of ` +
      `${settings.soakWindowS} s of mixed traffic`,
  );
  const api = await startApi({ BCRYPT_COST: "4" });
  try {
    const client = new ApiClient(api.url);
    const user = await benchUser(client, `${emailPrefix}soak@example.com`);
    const orders = await inParallel(18, 6, () => client.createOrder(user.token, ORDER_BODY));
    const orderIds = orders.map((o) => o.id);
    await inParallel(8, 4, (i) => client.getOrder(user.token, orderIds[i]));
    const mix = soakMix(user, orderIds);
    const pid = api.service.pid;
    // Like every scenario, a warm-up first (not counted): the heap, JIT code and pools reach
    // their working size, so that the windows show what changes with traffic, not start-up.
    const load = (durationS: number, run: string) =>
      runWrk({
        url: api.url + "/",
        token: user.token,
        connections: settings.connections,
        durationS,
        mix,
        mixRun: `${run}-${Date.now()}`,
      });
    if (settings.soakWarmupS > 0) await load(settings.soakWarmupS, "warm-up");
    const results: SoakWindow[] = [];
    for (let window = 1; window <= windows; window++) {
      const cpuBefore = await cpuSeconds(pid);
      const rss = sampleRss(pid, 500);
      const result = await load(settings.soakWindowS, String(window));
      const memory = await rss.stop();
      const cpu = (await cpuSeconds(pid)) - cpuBefore;
      const end = await readMemory(pid);
      const row: SoakWindow = {
        window,
        ...result,
        cpuUsPerRequest: round((cpu * 1e6) / Math.max(1, result.requests)),
        peakRssMb: memory.peakRssMb,
        endRssMb: end ? round(end.rssKb / 1024, 1) : 0,
      };
      results.push(row);
      log(
        `soak window ${window}: ${row.rps} req/s, ${row.cpuUsPerRequest} µs CPU/request, ` +
          `p99 ${row.p99Ms} ms, RSS ${row.endRssMb} MB (peak ${row.peakRssMb}), ` +
          `statuses ${JSON.stringify(row.statuses)}`,
      );
    }
    const minutes = results.map((w) => (w.window * settings.soakWindowS) / 60);
    const first = results[0];
    const last = results[results.length - 1];
    return {
      windowS: settings.soakWindowS,
      mix,
      windows: results,
      rateRatio: round(last.rps / first.rps, 3),
      cpuRatio: round(last.cpuUsPerRequest / first.cpuUsPerRequest, 3),
      rateSlopePerMin: round(slope(minutes, results.map((w) => w.rps)), 1),
      rssSlopeMbPerMin: round(slope(minutes, results.map((w) => w.endRssMb)), 2),
      peakRssMb: Math.max(...results.map((w) => w.peakRssMb)),
    };
  } finally {
    await api.service.stop();
  }
}
