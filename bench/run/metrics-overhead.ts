// What the Prometheus metrics cost on the hottest path: cached GET /orders/{id} on the API as
// started (metrics on) against a second, identical API with METRICS_ENABLED=false, sharing the
// same Redis, PostgreSQL and token secret. Runs alternate (on, off, on, off, ...) so that drift
// in the machine's load hits both sides alike. Two measures: the request rate (what the target
// is about, but noisy on a shared machine) and the API process's CPU time per request (from
// /proc/<pid>/stat), which other processes competing for the cores barely disturb.
import type { BenchUser } from "../lib/client.ts";
import { median, round } from "../lib/proc.ts";
import { cpuSeconds } from "../lib/resource-usage.ts";
import { num, type Target } from "../lib/report.ts";
import { runWrk, type WrkRequest } from "../lib/wrk.ts";
import { log, settings } from "./config.ts";
import { metricsCostUs } from "./metrics-cost.ts";
import { startApi } from "./services.ts";

export interface MetricsOverhead {
  rounds: number;
  durationS: number;
  onRps: number[];
  offRps: number[];
  medianOnRps: number;
  medianOffRps: number;
  /** Median over rounds of (metrics-on rate / metrics-off rate); 1 = free. */
  ratio: number;
  /** API CPU time per request (µs), median over rounds. */
  cpuUsPerRequestOn: number;
  cpuUsPerRequestOff: number;
  /** Median over rounds of (CPU per request off / on); 1 = free. */
  cpuRatio: number;
  /** In-process µs the metrics add to one cached GET (bench/run/metrics-cost.ts). */
  inProcessCostUs: number;
  /** That cost as a share of the API's CPU per cached GET without metrics. */
  costShare: number;
}

export async function metricsOverhead(
  seeded: { reader: BenchUser; orderPaths: string[] },
): Promise<MetricsOverhead> {
  // Two fresh processes, so that neither carries the earlier scenarios' state (a bcrypt queue
  // still draining after the login load, a fuller heap) into the comparison.
  log("metrics overhead: starting an API with metrics and one with METRICS_ENABLED=false");
  const [api, off] = await Promise.all([startApi(), startApi({ METRICS_ENABLED: "false" })]);
  try {
    const request = (url: string): Omit<WrkRequest, "durationS"> => ({
      url: `${url}${seeded.orderPaths[0]}`,
      paths: seeded.orderPaths,
      token: seeded.reader.token,
      connections: settings.connections,
    });
    const sides = [
      { req: request(api.url), pid: api.service.pid },
      { req: request(off.url), pid: off.service.pid },
    ];
    const durationS = Math.max(3, Math.round(settings.durationS / 2));
    for (const side of sides) await runWrk({ ...side.req, durationS: settings.warmupS });
    const rps: [number[], number[]] = [[], []];
    const cpuUs: [number[], number[]] = [[], []];
    for (let round = 0; round < settings.metricsRounds; round++) {
      // Which side goes first alternates too, so neither always follows the other.
      for (const index of round % 2 ? [1, 0] : [0, 1]) {
        const side = sides[index];
        const before = await cpuSeconds(side.pid);
        const result = await runWrk({ ...side.req, durationS });
        cpuUs[index].push(((await cpuSeconds(side.pid)) - before) * 1e6 / result.requests);
        rps[index].push(result.rps);
      }
    }
    const pairs = (values: [number[], number[]], f: (on: number, off: number) => number) =>
      median(values[0].map((on, i) => f(on, values[1][i])));
    const inProcess = await metricsCostUs();
    const result: MetricsOverhead = {
      rounds: settings.metricsRounds,
      durationS,
      onRps: rps[0],
      offRps: rps[1],
      medianOnRps: median(rps[0]),
      medianOffRps: median(rps[1]),
      ratio: round(pairs(rps, (on, off) => on / off), 3),
      cpuUsPerRequestOn: round(median(cpuUs[0]), 1),
      cpuUsPerRequestOff: round(median(cpuUs[1]), 1),
      cpuRatio: round(pairs(cpuUs, (on, off) => off / on), 3),
      inProcessCostUs: round(inProcess.costUs, 2),
      costShare: round(inProcess.costUs / median(cpuUs[1]), 3),
    };
    log(
      `metrics overhead: on ${rps[0].map((r) => num(r, 0)).join(", ")} req/s; ` +
        `off ${rps[1].map((r) => num(r, 0)).join(", ")} req/s; ratio ${result.ratio}; CPU per ` +
        `request ${result.cpuUsPerRequestOn} vs ${result.cpuUsPerRequestOff} µs (ratio ` +
        `${result.cpuRatio}); in-process cost ${result.inProcessCostUs} µs per request ` +
        `(${round(result.costShare * 100, 1)} % of the API's CPU per cached GET)`,
    );
    return result;
  } finally {
    await Promise.all([api.service.stop(), off.service.stop()]);
  }
}

export function metricsTargets(result: MetricsOverhead): Target[] {
  const runs = `${result.rounds} alternating pairs of ${result.durationS} s runs, median`;
  return [{
    name: "cached GET rate, metrics on / off",
    measured: `${num(result.medianOnRps, 0)} vs ${num(result.medianOffRps, 0)} req/s (${runs})`,
    ratio: result.ratio,
    limit: "≥ 0.9",
    pass: result.ratio >= 0.9,
  }, {
    name: "metrics CPU per cached GET, share of the API's",
    measured: `${result.inProcessCostUs} µs of ${result.cpuUsPerRequestOff} µs (in-process A/B)`,
    ratio: result.costShare,
    limit: "≤ 0.1",
    pass: result.costShare <= 0.1,
  }, {
    name: "cached GET API CPU per request, metrics off / on",
    measured: `${result.cpuUsPerRequestOff} vs ${result.cpuUsPerRequestOn} µs (${runs})`,
    ratio: result.cpuRatio,
    limit: "≥ 0.9",
    pass: result.cpuRatio >= 0.9,
  }];
}
