// The soak's targets and its table in the report (the soak itself: bench/run/soak.ts).
import { round } from "../lib/proc.ts";
import { num, table, type Target } from "../lib/report.ts";
import { TARGETS } from "./config.ts";
import type { Soak } from "./soak.ts";

/** The soak's targets: the last window's rate within 10 % of the first, RSS flat and bounded. */
export function soakTargets(soak: Soak): Target[] {
  const first = soak.windows[0];
  const last = soak.windows[soak.windows.length - 1];
  return [
    {
      name: `soak: last ${soak.windowS} s window's rate vs the first`,
      measured: `${num(last.rps, 0)} vs ${num(first.rps, 0)} req/s ` +
        `(CPU/request ${last.cpuUsPerRequest} vs ${first.cpuUsPerRequest} µs)`,
      ratio: soak.rateRatio,
      limit: `≥ ${TARGETS.soakRateRatio}`,
      pass: soak.rateRatio >= TARGETS.soakRateRatio,
    },
    {
      name: "soak: API RSS, peak and slope",
      measured: `${soak.peakRssMb} MB, ${soak.rssSlopeMbPerMin} MB/min`,
      ratio: round(soak.peakRssMb / TARGETS.apiRssMb, 2),
      limit: `≤ ${TARGETS.apiRssMb} MB, flat`,
      // Flat: less than 1 MB a minute, which a leak of one object per request would exceed.
      pass: soak.peakRssMb <= TARGETS.apiRssMb && soak.rssSlopeMbPerMin < 1,
    },
  ];
}

export function renderSoak(soak: Soak): string {
  const rows = soak.windows.map((w) => [
    `${(w.window - 1) * soak.windowS}–${w.window * soak.windowS} s`,
    num(w.rps, 0),
    num(w.cpuUsPerRequest, 0),
    num(w.p99Ms),
    num(w.endRssMb, 1),
    num(w.peakRssMb, 1),
    `${w.statuses["2xx"]} / ${w.statuses["4xx"]} / ${w.statuses["5xx"]}` +
    (w.errors - w.statuses["4xx"] - w.statuses["5xx"] > 0
      ? `, ${w.errors - w.statuses["4xx"] - w.statuses["5xx"]} socket`
      : ""),
  ]);
  const weights = soak.mix.reduce<Record<string, number>>((acc, m) => {
    acc[m.label] = (acc[m.label] ?? 0) + m.weight;
    return acc;
  }, {});
  return [
    `\n## Soak: one fresh API, ${soak.windows.length} × ${soak.windowS} s of mixed traffic\n`,
    `Mix (weights): ${Object.entries(weights).map(([k, w]) => `${k} ${w}`).join(", ")}.\n`,
    table(
      ["window", "req/s", "CPU µs/req", "p99 ms", "RSS MB", "peak RSS MB", "2xx / 4xx / 5xx"],
      rows,
    ),
    `\nLast/first rate ${soak.rateRatio}, CPU/request ${soak.cpuRatio}; slopes: ` +
    `${soak.rateSlopePerMin} req/s per min, RSS ${soak.rssSlopeMbPerMin} MB per min.\n`,
  ].join("\n");
}
