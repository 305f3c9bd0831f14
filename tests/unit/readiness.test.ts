// Concurrent readiness checks share one probe, and its result answers for a while after
// (api/health/health.ts): a flood of checks costs one probe per interval.
import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { sharedReadiness } from "../../api/health/health.ts";

Deno.test("concurrent readiness checks share one probe; its result is reused for cacheMs", async () => {
  let probes = 0;
  let answer: () => void = () => {};
  const checks = {
    postgres: () => {
      probes++;
      return new Promise<{ ok: boolean }>((resolve) => answer = () => resolve({ ok: true }));
    },
  };
  let now = 0;
  const seen: string[] = [];
  const check = sharedReadiness(checks, {
    cacheMs: 1_000,
    now: () => now,
    onProbe: (report) => seen.push(report.status),
  });
  const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
  const waiting = Array.from({ length: 50 }, () => check());
  await tick(); // the probe's checks start on a later turn
  strictEqual(probes, 1, "one probe for 50 concurrent checks");
  answer();
  const reports = await Promise.all(waiting);
  deepStrictEqual(new Set(reports.map((r) => r.status)), new Set(["ok"]));
  deepStrictEqual(seen, ["ok"], "logged once");

  now = 999;
  strictEqual((await check()).status, "ok");
  strictEqual(probes, 1, "answered from the last probe");
  now = 1_000;
  const next = check();
  await tick();
  strictEqual(probes, 2, "a new probe once the result is cacheMs old");
  answer();
  strictEqual((await next).status, "ok");
});

Deno.test("a failed probe is shared and cached like a good one, then probed again", async () => {
  let probes = 0;
  let now = 0;
  const check = sharedReadiness({
    postgres: () => {
      probes++;
      throw new Error("connection refused");
    },
  }, { cacheMs: 500, now: () => now });
  const reports = await Promise.all([check(), check(), check()]);
  deepStrictEqual(reports.map((r) => r.status), ["down", "down", "down"]);
  strictEqual(probes, 1);
  now = 500;
  strictEqual((await check()).status, "down");
  strictEqual(probes, 2);
});
