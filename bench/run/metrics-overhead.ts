// What the Prometheus metrics cost on the hottest path: cached GET /orders/{id} on the API as
// started (metrics on) against a second, identical API with METRICS_ENABLED=false, sharing the
// same Redis, PostgreSQL and token secret. Runs alternate (on, off, on, off, ...) so that drift
// in the machine's load hits both sides alike; the ratio compares the median rates.
import type { BenchUser } from "../lib/client.ts";
import { round } from "../lib/proc.ts";
import { num, type Target } from "../lib/report.ts";
import { runWrk, type WrkRequest } from "../lib/wrk.ts";
import { log, settings } from "./config.ts";
import { startApi } from "./services.ts";

export interface MetricsOverhead {
  rounds: number;
  durationS: number;
  onRps: number[];
  offRps: number[];
  medianOnRps: number;
  medianOffRps: number;
  /** Metrics-on rate over metrics-off rate (1 = free). */
  ratio: number;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

export async function metricsOverhead(
  apiUrl: string,
  seeded: { reader: BenchUser; orderPaths: string[] },
): Promise<MetricsOverhead> {
  log("metrics overhead: starting a second API with METRICS_ENABLED=false");
  const off = await startApi({ METRICS_ENABLED: "false" });
  try {
    const request = (url: string): Omit<WrkRequest, "durationS"> => ({
      url: `${url}${seeded.orderPaths[0]}`,
      paths: seeded.orderPaths,
      token: seeded.reader.token,
      connections: settings.connections,
    });
    const sides = [request(apiUrl), request(off.url)];
    const durationS = Math.max(3, Math.round(settings.durationS / 2));
    for (const side of sides) await runWrk({ ...side, durationS: settings.warmupS });
    const rps: [number[], number[]] = [[], []];
    for (let round = 0; round < settings.metricsRounds; round++) {
      for (const [index, side] of sides.entries()) {
        rps[index].push((await runWrk({ ...side, durationS })).rps);
      }
    }
    const result: MetricsOverhead = {
      rounds: settings.metricsRounds,
      durationS,
      onRps: rps[0],
      offRps: rps[1],
      medianOnRps: median(rps[0]),
      medianOffRps: median(rps[1]),
      ratio: round(median(rps[0]) / median(rps[1]), 3),
    };
    log(
      `metrics overhead: on ${rps[0].map((r) => num(r, 0)).join(", ")} req/s; ` +
        `off ${rps[1].map((r) => num(r, 0)).join(", ")} req/s; ratio ${result.ratio}`,
    );
    return result;
  } finally {
    await off.service.stop();
  }
}

export function metricsTarget(result: MetricsOverhead): Target {
  return {
    name: "cached GET rate, metrics on / off",
    measured: `${num(result.medianOnRps, 0)} vs ${num(result.medianOffRps, 0)} req/s ` +
      `(median of ${result.rounds} alternating ${result.durationS} s runs)`,
    ratio: result.ratio,
    limit: "≥ 0.9",
    pass: result.ratio >= 0.9,
  };
}
