// The chaos table as markdown, for the terminal and bench/results/chaos-latest.md.
import type { Row } from "./scenario.ts";

const HEADER = [
  "fault",
  "requests",
  "2xx",
  "503",
  "other 5xx",
  "conn err",
  "over the bound",
  "orders created",
  "processed once",
  "lost",
  "dup",
  "DLQ",
  "slowest response ms",
  "max event delay s",
  "API survived",
  "worker survived",
  "s",
  "pass",
];

function cells(row: Row): (string | number)[] {
  const { stats: s, outcome: o } = row;
  return [
    row.fault,
    s.requests,
    s.ok,
    s.unavailable,
    s.other5xx,
    s.connErrors,
    s.overBound,
    o.created,
    o.processedOnce,
    o.lost,
    o.duplicates,
    row.dlq,
    row.stats.maxMs,
    row.outcome.maxDelayS,
    row.api,
    row.worker,
    row.seconds,
    row.ok ? "yes" : "**NO**",
  ];
}

export function markdownTable(rows: Row[]): string {
  const lines = [
    `| ${HEADER.join(" | ")} |`,
    `| ${HEADER.map((_, i) => (i === 0 || i >= 14 ? "---" : "---:")).join(" | ")} |`,
    ...rows.map((row) =>
      `| ${cells(row).map((c) => String(c).replaceAll("|", "/")).join(" | ")} |`
    ),
  ];
  return lines.join("\n");
}

export function notesList(rows: Row[]): string {
  return rows.filter((row) => row.notes.length > 0)
    .map((row) => `- **${row.fault}**: ${row.notes.join("; ").replaceAll("\n", " ")}`)
    .join("\n");
}

export async function writeResults(markdown: string): Promise<string[]> {
  const dir = new URL("../results/", import.meta.url).pathname;
  await Deno.mkdir(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const files = [`${dir}chaos-${stamp}.md`, `${dir}chaos-latest.md`];
  for (const file of files) await Deno.writeTextFile(file, markdown);
  return files;
}
