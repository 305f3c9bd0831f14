// `deno task bench` (via scripts/bench.sh): starts a bare Hono hello world and the real API as
// separate processes, drives them with wrk on loopback, samples their RSS, runs the
// event-pipeline scenarios when the worker exists, then prints and writes the results
// (bench/results/<timestamp>.{json,md} and bench/results/latest.md).
//
// Settings: the BENCH_* environment variables, each with its default, in bench/run/config.ts.
import { ApiClient, type BenchUser, benchUser } from "./lib/client.ts";
import { round } from "./lib/proc.ts";
import { readMemory } from "./lib/resource-usage.ts";
import { emailPrefix, log, runId, settings, sql, startedAt, t0, TARGETS } from "./run/config.ts";
import { cleanup, drainOutbox } from "./run/data.ts";
import { runPipeline } from "./run/event-pipeline.ts";
import { metricsOverhead, metricsTargets } from "./run/metrics-overhead.ts";
import { describeMachine } from "./run/machine.ts";
import { measureReferences } from "./run/references.ts";
import { renderReport, writeResults } from "./run/report.ts";
import { createScenario, helloScenario, readScenarios, seed } from "./run/scenarios.ts";
import { services, startApi } from "./run/services.ts";
import { evaluateTargets } from "./run/targets.ts";
import { renderOutboxBacklog, runOutboxBacklog } from "./outbox-backlog.ts";
import { runSoak } from "./run/soak.ts";
import { deepPages, renderDeepPages } from "./run/deep-pages.ts";
import { renderSoak, soakTargets } from "./run/soak-report.ts";

const results: Record<string, unknown> = {};
let exitCode = 0;
try {
  const machine = await describeMachine();
  const { denoVersion, bunVersion, wrkVersion, commit, dirty, cores, busyPercent, busy } = machine;
  if (busy) log(`warning: the machine is ${busyPercent}% busy before the bench starts`);
  Object.assign(results, {
    runId,
    startedAt: startedAt.toISOString(),
    commit: commit + (dirty && dirty !== "unavailable" ? " (uncommitted changes)" : ""),
    machine: {
      cores,
      os: `${Deno.build.os}-${Deno.build.arch}`,
      cpuBusyAtStartPercent: busyPercent,
    },
    versions: { deno: denoVersion, bun: bunVersion, wrk: wrkVersion },
    settings,
    targets: TARGETS,
  });

  // (a) Reference: bare Hono hello world.
  const helloResult = await helloScenario();
  // References for the other ratios: PostgreSQL's and Redis's own rates, one bcrypt hash.
  const references = await measureReferences(cores);

  // The API with its real dependencies.
  log("starting the API");
  const api = await startApi();
  const client = new ApiClient(api.url);
  const newUser = (label: string): Promise<BenchUser> =>
    benchUser(client, `${emailPrefix}${label}@example.com`);
  const seeded = await seed(client, newUser);
  const apiPid = api.service.pid;
  const idleMemory = await readMemory(apiPid);

  // (b) cached GET /orders/{id}, (d) GET /orders/user/{id}, (e) cached GET with and without
  // logins.
  const { cached, list, loginsAlone, satWithout, pacedWithout, satWith, pacedWith, logins } =
    await readScenarios(api.url, apiPid, seeded);

  // Page 1 against page 500, by number and by cursor.
  const deep = await deepPages(api.url, apiPid, await newUser("deep"));
  results.deepPages = deep;

  // What the Prometheus metrics cost on cached GETs (on vs an identical API with them off).
  const metrics = settings.metricsRounds > 0 ? await metricsOverhead(seeded) : null;

  // Event pipeline (issue 3): before POST /orders so the relay has no backlog.
  const pipeline = await runPipeline(api.url, client, newUser);

  // (c) POST /orders (last: it leaves the relay a backlog to publish).
  const create = await createScenario(api.url, apiPid, seeded.writer);
  log("waiting (bounded) for the relay to publish the POST /orders backlog");
  const drain = await drainOutbox(seeded.writer.id, 45);
  log(
    `outbox: ${drain.pendingAfterLoad} pending after the load, ${drain.pendingAtEnd} after ` +
      `${drain.seconds} s (${drain.publishedPerSecond}/s)`,
  );
  const endMemory = await readMemory(apiPid);
  await api.service.stop();

  // The soak: a fresh API under minutes of mixed traffic (bench/run/soak.ts).
  const soak = settings.soakS > 0 ? await runSoak() : null;
  results.soak = soak;

  // Outbox relay: drain rate of a 10k and a 100k backlog (bench/outbox-backlog.ts).
  const outboxBacklog = await runOutboxBacklog(log);
  results.outboxBacklog = outboxBacklog;

  // Targets.
  const scenarios = [
    helloResult,
    cached,
    create,
    list,
    loginsAlone,
    satWithout,
    satWith,
    pacedWithout,
    pacedWith,
  ];
  const apiScenarios = scenarios.slice(1);
  const apiPeakMb = Math.max(...apiScenarios.map((s) => s.peakRssMb));
  const apiHwmMb = endMemory ? round(endMemory.hwmKb / 1024, 1) : null;
  const targets = evaluateTargets(
    { helloResult, cached, list, create, satWithout, satWith, pacedWithout, pacedWith },
    references,
    loginsAlone,
    apiPeakMb,
    apiHwmMb,
    pipeline,
  );
  if (metrics) targets.push(...metricsTargets(metrics));
  if (soak) targets.push(...soakTargets(soak));

  Object.assign(results, {
    finishedAt: new Date().toISOString(),
    scenarios: {
      hello: helloResult,
      cachedGet: cached,
      createOrder: create,
      listOrders: list,
      loginsSaturating: { without: satWithout, with: satWith },
      loginsPaced: { without: pacedWithout, with: pacedWith },
      loginLoad: logins,
      metricsOverhead: metrics,
      loginsAlone,
    },
    api: {
      idleRssMb: idleMemory ? round(idleMemory.rssKb / 1024, 1) : null,
      peakRssUnderLoadMb: apiPeakMb,
      vmHwmMb: apiHwmMb,
    },
    references,
    outboxAfterCreate: drain,
    pipeline,
    targets: targets,
  });

  // Report.
  const markdown = renderReport({
    commit: results.commit,
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
  });
  const report = markdown + renderDeepPages(deep) + (soak ? renderSoak(soak) : "") +
    renderOutboxBacklog(outboxBacklog);
  console.log("\n" + report);
  await writeResults(results, report);
} catch (error) {
  console.error(`bench failed: ${error instanceof Error ? error.stack ?? error.message : error}`);
  exitCode = 1;
} finally {
  await Promise.all(services.map((service) => service.stop()));
  await cleanup();
  await sql.end({ timeout: 5 });
  log(`done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}
Deno.exit(exitCode);
