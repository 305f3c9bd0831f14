// Targets, the Markdown report and the results files.
import type { WrkResult } from "./wrk.ts";

export interface HttpScenario extends WrkResult {
  title: string;
  peakRssMb: number;
  connections: number;
  delayMs?: number;
}

export interface Target {
  name: string;
  measured: string;
  ratio: number | null;
  limit: string;
  /** null: not measured (skipped or failed). */
  pass: boolean | null;
}

const num = (value: number | null | undefined, digits = 2) =>
  value === null || value === undefined ? "–" : value.toLocaleString("en-US", {
    maximumFractionDigits: digits,
    minimumFractionDigits: 0,
  });

const verdict = (pass: boolean | null) => pass === null ? "n/a" : pass ? "PASS" : "FAIL";

export function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((row) => row.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  const line = (row: string[]) => `| ${row.map((cell, i) => cell.padEnd(widths[i])).join(" | ")} |`;
  return [
    line(cells[0]),
    `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`,
    ...cells.slice(1).map(line),
  ].join("\n");
}

export function scenarioTable(scenarios: HttpScenario[]): string {
  return table(
    ["scenario", "load", "req/s", "p50 ms", "p99 ms", "max ms", "errors", "peak RSS MB"],
    scenarios.map((s) => [
      s.title,
      `${s.connections} conn${s.delayMs ? `, ${s.delayMs} ms pause` : ""}`,
      num(s.rps, 0),
      num(s.p50Ms),
      num(s.p99Ms),
      num(s.maxMs, 1),
      s.errors ? `${s.errors} ${JSON.stringify(s.errorDetail)}` : "0",
      num(s.peakRssMb, 1),
    ]),
  );
}

export function targetTable(targets: Target[]): string {
  return table(
    ["target", "measured", "ratio", "required", "result"],
    targets.map((t) => [
      t.name,
      t.measured,
      num(t.ratio),
      t.limit,
      t.limit === "information" ? "info" : verdict(t.pass),
    ]),
  );
}

export { num };
