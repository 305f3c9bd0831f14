// `deno task chaos`: every fault of issue 7 under load against this checkout's real PostgreSQL,
// Redis and Kafka, bounded to CHAOS_TOTAL_MS (10 minutes). Prints a markdown table, writes it
// to bench/results/chaos-latest.md, and exits 1 if any row lost an order, took effect twice,
// answered another 5xx, or saw a process die. Arguments filter the faults by name
// (`deno task chaos kafka redis`).
import { randomSecret, requireServices, ROOT, settings } from "./env.ts";
import { firstDeploy, poisonRow, processFaults, rebalance } from "./faults-process.ts";
import { infraFaults, kafkaFaults } from "./faults-infra.ts";
import { wrongRole } from "./faults-worker-env.ts";
import { restoreAll } from "./infra.ts";
import { apiSlot, workerSlot } from "./procs.ts";
import { markdownTable, notesList, writeResults } from "./report.ts";
import { scaleOut } from "./scale-out.ts";
import { type Cluster, type Row, runScenario, type Scenario } from "./scenario.ts";
import { emptyStats } from "./load.ts";
import { commitAtEnd } from "./verify.ts";

requireServices();
const started = Date.now();
const deadline = started + settings.totalMs;
const runId = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
const cluster: Cluster = {
  groupId: `chaos-${runId}`,
  secret: randomSecret(),
  apis: [],
  workers: [],
};
cluster.apis.push(apiSlot("api-1", cluster.secret));
cluster.workers.push(workerSlot("worker-1", cluster.groupId));

const all: Scenario[] = [
  firstDeploy,
  ...infraFaults,
  ...processFaults,
  wrongRole,
  poisonRow,
  rebalance,
  scaleOut,
  ...kafkaFaults,
];
const filters = Deno.args.map((a) => a.toLowerCase());
const chosen = all.filter((s) =>
  !filters.length || filters.some((f) => s.name.toLowerCase().includes(f))
);

const git = (...args: string[]) =>
  new TextDecoder().decode(
    new Deno.Command("git", { args, cwd: ROOT, stdout: "piped" }).outputSync().stdout,
  ).trim();
const load = () => Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
const header = [
  `# deno task chaos — ${new Date().toISOString()}`,
  "",
  `commit ${git("rev-parse", "--short", "HEAD")} (${git("log", "-1", "--format=%s")})` +
  `${git("status", "--porcelain", "--untracked-files=no") ? ", with uncommitted changes" : ""}; ` +
  `${Deno.build.os} ${navigator.hardwareConcurrency} cores, load average at start ${load()}; ` +
  `${settings.creators} creating + ${settings.readers} reading clients, ` +
  `${settings.thinkMs} ms think time, bound ${settings.boundMs} ms, worker work ` +
  `${settings.workerWorkMs} ms`,
];

const rows: Row[] = [];
async function finish(code: number): Promise<never> {
  const markdown = [
    ...header,
    `load average at end ${load()}; ${Math.round((Date.now() - started) / 1000)} s in total`,
    "",
    markdownTable(rows),
    "",
    notesList(rows),
    "",
  ].join("\n");
  console.log(`\n${markdown}`);
  const files = await writeResults(markdown).catch(() => []);
  if (files.length) console.log(`written to ${files.join(" and ")}`);
  for (const slot of [...cluster.apis, ...cluster.workers]) await slot.stop().catch(() => {});
  Deno.exit(code);
}

// Past the budget (a hung step), report what we have rather than run on.
const watchdog = setTimeout(async () => {
  console.error("[chaos] over the time budget; stopping");
  await restoreAll().catch(() => {});
  await finish(1);
}, settings.totalMs + 60_000);
Deno.addSignalListener("SIGINT", async () => {
  await restoreAll().catch(() => {});
  await finish(130);
});

const failedRow = (fault: string, note: string): Row => ({
  fault,
  stats: emptyStats(),
  outcome: {
    created: 0,
    inTable: 0,
    unacked: 0,
    processedOnce: 0,
    duplicates: 0,
    lost: 0,
    maxDelayS: 0,
  },
  dlq: 0,
  api: "-",
  worker: "-",
  settled: false,
  gaveUp: 0,
  rejected: 0,
  notes: [note],
  seconds: 0,
  ok: false,
});

await cluster.apis[0].start();
for (const scenario of chosen) {
  const left = deadline - Date.now();
  if (left < 30_000) {
    rows.push(
      failedRow(scenario.name, `skipped: the ${settings.totalMs / 60_000}-minute budget is spent`),
    );
    continue;
  }
  // Without the first-deploy scenario, the group starts at the topic's end, not its history.
  if (!cluster.workers[0].alive && scenario !== firstDeploy) {
    await commitAtEnd(cluster.groupId);
    await cluster.workers[0].start();
  }
  console.error(`[chaos] ${scenario.name} (${Math.round(left / 1000)} s of budget left)`);
  try {
    const row = await runScenario(cluster, scenario, left - 20_000);
    rows.push(row);
    console.error(`[chaos]   ${row.ok ? "ok" : "FAILED"}: ${markdownTable([row]).split("\n")[2]}`);
  } catch (error) {
    rows.push(
      failedRow(scenario.name, `harness error: ${error instanceof Error ? error.stack : error}`),
    );
    await restoreAll().catch(() => {});
    for (const main of [cluster.apis[0], cluster.workers[0]]) {
      if (!main.alive) await main.start().catch(() => {});
    }
  }
}
clearTimeout(watchdog);
await finish(rows.every((row) => row.ok) ? 0 : 1);
