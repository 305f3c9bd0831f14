// Checks the measurements against the targets (TARGETS in bench/run/config.ts).
import { type HttpScenario, num, type Target } from "../lib/report.ts";
import { round } from "../lib/proc.ts";
import type { WrkResult } from "../lib/wrk.ts";
import { TARGETS } from "./config.ts";
import type { PipelineResults } from "./event-pipeline.ts";
import type { References } from "./references.ts";

export function evaluateTargets(
  { helloResult, cached, list, create, satWithout, satWith, pacedWithout, pacedWith }: Record<
    | "helloResult"
    | "cached"
    | "list"
    | "create"
    | "satWithout"
    | "satWith"
    | "pacedWithout"
    | "pacedWith",
    HttpScenario
  >,
  references: References,
  logins: WrkResult | null,
  apiPeakMb: number,
  apiHwmMb: number | null,
  pipeline: PipelineResults,
): Target[] {
  const targets: Target[] = [];
  const rateRatio = cached.rps / helloResult.rps;
  targets.push({
    name: "cached GET rate vs hello world",
    measured: `${num(cached.rps, 0)} vs ${num(helloResult.rps, 0)} req/s`,
    ratio: round(rateRatio, 2),
    limit: `≥ ${TARGETS.cachedGetVsHello} (ambition ${TARGETS.cachedGetAmbition})`,
    pass: rateRatio >= TARGETS.cachedGetVsHello,
  });
  const listRatio = list.rps / helloResult.rps;
  targets.push({
    name: "list page rate vs hello world",
    measured: `${num(list.rps, 0)} vs ${num(helloResult.rps, 0)} req/s`,
    ratio: round(listRatio, 3),
    limit: `≥ ${TARGETS.listVsHello}`,
    pass: listRatio >= TARGETS.listVsHello,
  });
  targets.push(...referenceTargets(cached, create, references, logins));
  for (
    const [label, without, withLogins] of [
      ["saturating", satWithout, satWith],
      ["paced", pacedWithout, pacedWith],
    ] as const
  ) {
    const ratio = withLogins.p99Ms / without.p99Ms;
    targets.push({
      name: `cached GET p99 with 8 logins / without (${label})`,
      measured: `${withLogins.p99Ms} vs ${without.p99Ms} ms`,
      ratio: round(ratio, 2),
      limit: `≤ ${TARGETS.loginP99Ratio}`,
      pass: ratio <= TARGETS.loginP99Ratio,
    });
  }
  targets.push({
    name: "API peak RSS under load",
    measured: `${apiPeakMb} MB (VmHWM ${apiHwmMb ?? "?"} MB)`,
    ratio: round(apiPeakMb / TARGETS.apiRssMb, 2),
    limit: `≤ ${TARGETS.apiRssMb} MB`,
    pass: apiPeakMb <= TARGETS.apiRssMb,
  });
  const latency = pipeline.status === "ran" ? pipeline.latency : pipeline;
  const throughput = pipeline.status === "ran" ? pipeline.throughput : pipeline;
  if (latency.status === "ok" && latency.p99Ms !== null) {
    const pass = latency.p99Ms <= TARGETS.pipelineP99Ms &&
      latency.achievedRate >= TARGETS.pipelineMinRate && latency.missing === 0;
    targets.push({
      name: `event latency p99, commit → worker (${latency.achievedRate} orders/s)`,
      measured: `p50 ${latency.p50Ms} ms, p99 ${latency.p99Ms} ms`,
      ratio: round(latency.p99Ms / TARGETS.pipelineP99Ms, 2),
      limit: `≤ ${TARGETS.pipelineP99Ms} ms at ≥ ${TARGETS.pipelineMinRate}/s`,
      pass,
    });
  } else {
    targets.push({
      name: "event latency p99, commit → worker",
      measured: `${latency.status}: ${"reason" in latency ? latency.reason.split("\n")[0] : ""}`,
      ratio: null,
      limit: `≤ ${TARGETS.pipelineP99Ms} ms at ≥ ${TARGETS.pipelineMinRate}/s`,
      pass: null,
    });
  }
  if (throughput.status === "ok") {
    const ratio = throughput.perSecond / throughput.expectedPerSecond;
    targets.push({
      name: `worker throughput (concurrency ${throughput.concurrency}, ${throughput.workMs} ms)`,
      measured: `${throughput.perSecond}/s (max ${throughput.expectedPerSecond}/s)`,
      ratio: round(ratio, 2),
      limit: `≥ ${TARGETS.throughputRatio} × concurrency / delay`,
      pass: ratio >= TARGETS.throughputRatio,
    });
  } else {
    targets.push({
      name: "worker throughput",
      measured: `${throughput.status}: ${
        "reason" in throughput ? throughput.reason.split("\n")[0] : ""
      }`,
      ratio: null,
      limit: `≥ ${TARGETS.throughputRatio} × concurrency / delay`,
      pass: null,
    });
  }
  return targets;
}

/** POST /orders vs PostgreSQL's own rate; and, for information, GETs vs Redis, logins vs bcrypt. */
function referenceTargets(
  cached: HttpScenario,
  create: HttpScenario,
  { postgres, redis, bcrypt }: References,
  logins: WrkResult | null,
): Target[] {
  const targets: Target[] = [];
  if (postgres.status === "ok") {
    const ratio = create.rps / postgres.tps;
    targets.push({
      name: "POST /orders rate vs PostgreSQL's own (pgbench, same statement)",
      measured: `${num(create.rps, 0)} vs ${num(postgres.tps, 0)} /s (${postgres.clients} clients)`,
      ratio: round(ratio, 2),
      limit: `≥ ${TARGETS.createVsPostgres}`,
      pass: ratio >= TARGETS.createVsPostgres,
    });
  } else {
    targets.push({
      name: "POST /orders rate vs PostgreSQL's own",
      measured: `skipped: ${postgres.reason}`,
      ratio: null,
      limit: `≥ ${TARGETS.createVsPostgres}`,
      pass: null,
    });
  }
  if (redis.status === "ok") {
    targets.push({
      name: "cached GET rate vs Redis PING (one round trip each)",
      measured: `${num(cached.rps, 0)} vs ${num(redis.pingsPerSecond, 0)} /s`,
      ratio: round(cached.rps / redis.pingsPerSecond, 2),
      limit: "information",
      pass: null,
    });
  }
  if (logins) {
    const perSecond = round(logins.requests / logins.durationS, 1);
    targets.push({
      name: `logins/s vs machine bcrypt limit (cost ${bcrypt.cost}, cores / hash time)`,
      measured: `${perSecond} vs ${bcrypt.machineLimitPerSecond} /s ` +
        `(one hash ${bcrypt.hashMs} ms)`,
      ratio: round(perSecond / bcrypt.machineLimitPerSecond, 2),
      limit: "information",
      pass: null,
    });
  }
  return targets;
}
