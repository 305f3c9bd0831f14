// The Markdown report (printed and written) and the result files under bench/results/.
import { round } from "../lib/proc.ts";
import {
  type HttpScenario,
  scenarioTable,
  table,
  type Target,
  targetTable,
} from "../lib/report.ts";
import type { WrkResult } from "../lib/wrk.ts";
import { log, root, runId, settings, startedAt } from "./config.ts";
import type { drainOutbox } from "./data.ts";
import type { PipelineResults } from "./event-pipeline.ts";
import type { describeMachine } from "./machine.ts";
import type { References } from "./references.ts";

export interface ReportInput {
  commit: unknown;
  machine: Awaited<ReturnType<typeof describeMachine>>;
  targets: Target[];
  scenarios: HttpScenario[];
  logins: WrkResult | null;
  references: References;
  idleMemory: { rssKb: number; hwmKb: number } | null;
  apiPeakMb: number;
  apiHwmMb: number | null;
  drain: Awaited<ReturnType<typeof drainOutbox>>;
  pipeline: PipelineResults;
}

export function renderReport(
  {
    commit,
    machine,
    targets,
    scenarios,
    logins,
    references,
    idleMemory,
    apiPeakMb,
    apiHwmMb,
    drain,
    pipeline,
  }: ReportInput,
): string {
  const { cores, denoVersion, bunVersion, wrkVersion, busyPercent, busy } = machine;
  const lines = [
    `# Order service benchmark ${startedAt.toISOString()}`,
    "",
    `Commit ${commit}; ${cores} cores; ${denoVersion}; bun ${bunVersion}; ` +
    `${wrkVersion.replace(/ Copyright.*/, "")}; CPU ${busyPercent}% busy just before the start` +
    (busy ? " (**machine not idle: other processes competed for the cores**)." : "."),
    `Load: wrk, 1 thread, ${settings.durationS} s per run after a ${settings.warmupS} s ` +
    `warm-up; API: APP_ENV=test, BCRYPT_COST=${settings.bcryptCost}, rate limits ` +
    `${settings.apiRateLimit} (still counted in Redis), LOGGING_LVL=${settings.apiLogLevel}, ` +
    `HOT_PATH_IN_PROCESS=${settings.hotPathInProcess}.`,
    "",
    "## Targets",
    "",
    targetTable(targets),
    "",
    referenceLine(references),
    "",
    "## HTTP scenarios",
    "",
    scenarioTable(scenarios),
    "",
    logins
      ? `Logins during (e): ${settings.loginConnections} connections, ${logins.rps} logins/s, ` +
        `p50 ${logins.p50Ms} ms, ${logins.errors} errors. Paced load: each connection pauses ` +
        `${settings.pacedDelayMs} ms after every response.`
      : "Login load produced no result.",
    `API RSS: ${idleMemory ? round(idleMemory.rssKb / 1024, 1) : "?"} MB idle after ` +
    `seeding, ${apiPeakMb} MB peak under load, VmHWM ${apiHwmMb} MB.`,
    drain.pendingAfterLoad === 0
      ? "Outbox after (c): no event left unpublished when the load stopped (the relay kept up)."
      : `Outbox after (c): ${drain.pendingAfterLoad} events pending, ${drain.pendingAtEnd} left ` +
        `after ${drain.seconds} s (relay ${drain.publishedPerSecond} events/s).`,
    "",
    "## Event pipeline",
    "",
  ];
  if (pipeline.status === "skipped") {
    lines.push(`Skipped: ${pipeline.reason}`);
  } else {
    const l = pipeline.latency;
    lines.push(
      l.status === "ok"
        ? table(
          ["latency scenario", "value"],
          [
            ["orders/s (target / achieved)", `${l.targetRate} / ${l.achievedRate}`],
            [
              "orders / processed by bench worker / duplicates / missing",
              `${l.orders} / ${l.processedByBenchWorker} / ${l.duplicates} / ${l.missing}`,
            ],
            [
              "created_at → worker committed: p50 / p99 / max ms",
              `${l.p50Ms} / ${l.p99Ms} / ${l.maxMs}`,
            ],
            ["created_at → processed_at (DB): p50 / p99 ms", `${l.dbP50Ms} / ${l.dbP99Ms}`],
            [
              "POST /orders p50 / p99 ms, errors",
              `${l.postP50Ms} / ${l.postP99Ms}, ${l.postErrors}`,
            ],
            ["worker peak RSS MB (bun run + bun)", `${l.workerPeakRssMb}`],
          ],
        )
        : `Latency scenario ${l.status}: ${l.reason}`,
      "",
    );
    const t = pipeline.throughput;
    lines.push(
      t.status === "ok"
        ? table(
          ["throughput scenario", "value"],
          [
            ["concurrency / simulated work", `${t.concurrency} / ${t.workMs} ms`],
            ["backlog orders", `${t.backlog}`],
            ["completed in window", `${t.completedInWindow} in ${t.windowS} s`],
            ["records/s (max possible)", `${t.perSecond} (${t.expectedPerSecond})`],
            ...(t.note ? [["note", t.note]] : []),
          ],
        )
        : `Throughput scenario ${t.status}: ${t.reason}`,
    );
  }
  return lines.join("\n") + "\n";
}

function referenceLine({ postgres, redis, bcrypt }: References): string {
  const pg = postgres.status === "ok"
    ? `PostgreSQL alone: ${
      Object.entries(postgres.byClients).map(([c, tps]) => `${tps}/s with ${c} clients`).join(", ")
    } (pgbench, the create-order statement, LISTEN outbox open)`
    : `PostgreSQL reference skipped: ${postgres.reason}`;
  const rd = redis.status === "ok"
    ? `Redis alone: ${redis.pingsPerSecond} PING/s (redis-benchmark, ${redis.clients} clients)`
    : `Redis reference skipped: ${redis.reason}`;
  return `References, same run: ${pg}. ${rd}. One bcrypt hash at cost ${bcrypt.cost}: ` +
    `${bcrypt.hashMs} ms, so at most ${bcrypt.machineLimitPerSecond} logins/s on all cores.`;
}

export async function writeResults(results: Record<string, unknown>, markdown: string) {
  const dir = `${root}/bench/results`;
  await Deno.mkdir(dir, { recursive: true });
  const stamp = runId;
  await Deno.writeTextFile(`${dir}/${stamp}.json`, JSON.stringify(results, null, 2) + "\n");
  await Deno.writeTextFile(`${dir}/${stamp}.md`, markdown);
  await Deno.writeTextFile(`${dir}/latest.md`, markdown);
  log(`wrote bench/results/${stamp}.json, bench/results/${stamp}.md and bench/results/latest.md`);
}
