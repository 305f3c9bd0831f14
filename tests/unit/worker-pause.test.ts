// The worker's pause (worker/pause.ts): one state per process, entered by an outage or an
// environment error, left by the next success; records wait their turn while others probe.
import { deepEqual, equal, ok } from "node:assert/strict";
import postgres from "postgres";
import { createPause } from "../../worker/pause.ts";
import { registry } from "../../worker/metrics.ts";

const serverError = (code: string) =>
  new postgres.PostgresError({ code, severity: "FATAL", message: `error ${code}` } as never);
const paused = async (reason: string) =>
  (await registry.getSingleMetric("worker_paused")!.get()).values
    .find((v) => v.labels.reason === reason)?.value;

Deno.test("an environment error pauses with its reason at error level; a success resumes", async () => {
  const lines: [string, string, Record<string, unknown> | undefined][] = [];
  const pause = createPause({ log: (level, msg, fields) => lines.push([level, msg, fields]) });
  equal(pause.current(), null);
  pause.failed("environment", serverError("28000"));
  pause.failed("environment", serverError("28000")); // the same cause: no second line
  equal(pause.current()?.reason, "authentication");
  equal(pause.current()?.code, "28000");
  equal(await paused("authentication"), 1);
  deepEqual(lines.map(([level, msg]) => [level, msg]), [[
    "error",
    "worker paused: database unusable",
  ]]);
  ok(String(lines[0][2]?.why).includes("role"));

  pause.failed("environment", serverError("42P01")); // another cause: said again
  equal(await paused("authentication"), 0);
  equal(await paused("missing-table"), 1);
  pause.succeeded();
  equal(pause.current(), null);
  equal(await paused("missing-table"), 0);
  deepEqual(lines.map(([level]) => level), ["error", "error", "info"]);
});

Deno.test("an outage pauses at warning level", () => {
  const levels: string[] = [];
  const pause = createPause({ log: (level) => levels.push(level) });
  pause.failed("outage", Object.assign(new Error("refused"), { code: "ECONNREFUSED" }));
  equal(pause.current()?.reason, "outage");
  deepEqual(levels, ["warning"]);
  pause.succeeded();
});

Deno.test("while paused, a record waits its turn as long as another probes", async () => {
  const pause = createPause({ log: () => {}, pollMs: 5 });
  pause.failed("environment", serverError("42501"));
  const endProbe = pause.probe();
  let asked = 0;
  let turn = false;
  const waiting = pause.awaitTurn(() => Promise.resolve(++asked > 0)).then((t) => (turn = t));
  while (asked < 3) await new Promise((resolve) => setTimeout(resolve, 5));
  equal(turn, false, "still waiting");
  pause.succeeded();
  endProbe();
  await waiting;
  equal(turn, true);
  // Given up when no longer wanted (shutdown, rebalance).
  pause.failed("environment", serverError("42501"));
  const again = pause.probe();
  equal(await pause.awaitTurn(() => Promise.resolve(false)), false);
  again();
  equal(await pause.awaitTurn(() => Promise.resolve(false)), true, "nobody probes: try");
});
