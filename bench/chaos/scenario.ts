// Runs one fault under load and turns what happened into a table row: the load starts, the
// fault runs, the load goes on for a while, stops (creators finish their last key), then the
// harness waits until every order is published and processed and counts the outcome.
import { restoreAll } from "./infra.ts";
import { Load, type LoadStats, type User } from "./load.ts";
import { registerUsers } from "./users.ts";
import type { ApiSlot, Slot } from "./procs.ts";
import { settings, sleep } from "./env.ts";
import { dlqCount, measure, type Outcome, settle } from "./verify.ts";

/** The processes under test; apis[0] and workers[0] always run between scenarios. */
export interface Cluster {
  groupId: string;
  secret: string;
  apis: ApiSlot[];
  workers: Slot[];
}

const isApi = (slot: Slot) => "url" in slot;

/** The base URLs of the API processes that are running now (extras included). */
const liveUrls = (slots: Slot[]) =>
  slots.filter((slot) => isApi(slot) && slot.alive).map((slot) => (slot as ApiSlot).url);

/** What a fault can see and do while it runs. */
export interface Run {
  cluster: Cluster;
  users: User[];
  load: Load;
  notes: string[];
  /** Orders the fault wrote itself (not through the API), counted as created. */
  addOrders(userId: string, orderIds: string[]): void;
  /** Processes the fault started for this scenario only; stopped afterwards. */
  extras: Slot[];
}

export interface Scenario {
  name: string;
  /** Preparation before the load starts. */
  before?(notes: string[]): Promise<void>;
  fault(run: Run): Promise<void>;
  /** Called after the load stopped and before the outcome is settled. */
  afterLoad?(run: Run): Promise<void>;
  /** Called once the outcome is measured (to inspect or clean up). */
  afterSettle?(run: Run): Promise<void>;
  preMs?: number;
  postMs?: number;
  /** Longest wait for everything to be processed (default 90 s). */
  settleMs?: number;
  /** The row fails if anything reached the DLQ (no record of this run is malformed). */
  noDeadLetters?: boolean;
}

export interface Row {
  fault: string;
  stats: LoadStats;
  outcome: Outcome;
  dlq: number;
  api: string;
  worker: string;
  settled: boolean;
  gaveUp: number;
  rejected: number;
  notes: string[];
  seconds: number;
  ok: boolean;
}

/** How each slot of a kind fared since `marks` (the exit counts before the scenario). */
function survival(slots: Slot[], marks: Map<Slot, number>) {
  const cells: string[] = [];
  let died = false;
  for (const slot of slots) {
    for (const exit of slot.exits.slice(marks.get(slot) ?? 0)) {
      if (!exit.expected) {
        died = true;
        cells.push(`NO: ${slot.name} died (exit ${exit.code})`);
      } else if (exit.signal === "SIGTERM" && exit.code !== 0) {
        died = true;
        cells.push(`NO: ${slot.name} exit ${exit.code} after SIGTERM`);
      } else {
        cells.push(`${slot.name} ${exit.signal}${slot.alive ? " → restarted" : ""}`);
      }
    }
  }
  const text = cells.length === 0 ? "yes" : died ? cells.join("; ") : `yes (${cells.join(", ")})`;
  return { died, text };
}

/** Restarts processes that died by themselves; a row records it, the next run needs them. */
async function reviveDead(slots: Slot[], marks: Map<Slot, number>, notes: string[]) {
  for (const slot of slots) {
    const dead = slot.exits.slice(marks.get(slot) ?? 0).find((e) => !e.expected);
    if (dead && !slot.alive) {
      notes.push(`${slot.name} died (exit ${dead.code}): ${dead.tail.split("\n").slice(-6)}`);
      await slot.start();
    }
  }
}

export async function runScenario(
  cluster: Cluster,
  scenario: Scenario,
  budgetMs: number,
): Promise<Row> {
  const started = Date.now();
  const phase = (what: string) =>
    console.error(`[chaos]   ${((Date.now() - started) / 1000).toFixed(1)} s: ${what}`);
  const notes: string[] = [];
  await scenario.before?.(notes);
  const slots = () => [...cluster.apis, ...cluster.workers, ...run.extras];
  const users = await registerUsers(() => liveUrls(cluster.apis)[0], settings.creators);
  const userIds = users.map((u) => u.id);
  const load = new Load({
    urls: () => liveUrls(slots()),
    users,
    creators: settings.creators,
    readers: settings.readers,
    thinkMs: settings.thinkMs,
    boundMs: settings.boundMs,
  });
  const fauxAcked = new Set<string>();
  const run: Run = {
    cluster,
    users,
    load,
    notes,
    extras: [],
    addOrders(userId, ids) {
      userIds.push(userId);
      ids.forEach((id) => fauxAcked.add(id));
    },
  };
  const marks = new Map(slots().map((s) => [s, s.exits.length]));
  const dlqBefore = await dlqCount();
  load.start();
  phase("load started");
  let failure: unknown = null;
  try {
    await sleep(scenario.preMs ?? 2_000);
    phase("fault");
    await scenario.fault(run);
    phase("fault over");
    await sleep(scenario.postMs ?? 3_000);
  } catch (error) {
    failure = error;
    notes.push(`fault failed: ${error instanceof Error ? error.message : error}`);
    await restoreAll().catch((e) => notes.push(`restore failed: ${e}`));
  }
  // A process that died by itself is restarted before the clients finish their keys.
  await reviveDead(slots(), marks, notes);
  await load.stop();
  phase("load stopped");
  await scenario.afterLoad?.(run);
  const settleMs = Math.max(10_000, Math.min(scenario.settleMs ?? 90_000, budgetMs));
  const settled = await settle(userIds, settleMs);
  phase(settled ? "settled" : "did not settle");
  if (!settled) notes.push(`not everything was processed within ${settleMs / 1000} s`);
  const acked = new Set([...load.acked.values(), ...fauxAcked]);
  const outcome = await measure(userIds, acked);
  const dlq = await dlqCount() - dlqBefore;
  await scenario.afterSettle?.(run).catch((e) => notes.push(`after settle: ${e}`));
  const api = survival([...cluster.apis, ...run.extras.filter(isApi)], marks);
  const worker = survival([...cluster.workers, ...run.extras.filter((s) => !isApi(s))], marks);
  for (const extra of run.extras) await extra.stop();
  await reviveDead([...cluster.apis, ...cluster.workers], marks, notes);
  for (const main of [cluster.apis[0], cluster.workers[0]]) if (!main.alive) await main.start();
  if (outcome.unacked) notes.push(`${outcome.unacked} orders in the table without a 201`);
  if (outcome.inTable !== outcome.created) {
    notes.push(`${outcome.created - outcome.inTable} acknowledged orders missing from the table`);
  }
  if (load.gaveUp.length) notes.push(`${load.gaveUp.length} keys never acknowledged`);
  if (load.rejected.length) notes.push(`rejected: ${load.rejected.slice(0, 3).join(" | ")}`);
  if (load.stats.samples.length) notes.push(`samples: ${load.stats.samples.join(" | ")}`);
  if (scenario.noDeadLetters && dlq > 0) notes.push(`${dlq} records dead-lettered`);
  const ok = !failure && settled && !api.died && !worker.died && load.stats.other5xx === 0 &&
    outcome.lost === 0 && outcome.duplicates === 0 && outcome.unacked === 0 &&
    outcome.inTable === outcome.created && load.gaveUp.length === 0 &&
    load.rejected.length === 0 && !(scenario.noDeadLetters && dlq > 0);
  return {
    fault: scenario.name,
    stats: load.stats,
    outcome,
    dlq,
    api: api.text,
    worker: worker.text,
    settled,
    gaveUp: load.gaveUp.length,
    rejected: load.rejected.length,
    notes,
    seconds: Math.round((Date.now() - started) / 1000),
    ok,
  };
}
