// `deno task bench` (via scripts/bench.sh): starts a bare Hono hello world and the real API as
// separate processes, drives them with wrk on loopback, samples their RSS, runs the
// event-pipeline scenarios when the worker exists, then prints and writes the results
// (bench/results/<timestamp>.{json,md} and bench/results/latest.md).
//
// Settings (environment): BENCH_DURATION (s per measured run, default 10), BENCH_WARMUP (s,
// default 2), BENCH_CONNECTIONS (default 32), BENCH_PACED_CONNECTIONS (default 8),
// BENCH_PACED_DELAY_MS (default 5), BENCH_LOGIN_CONNECTIONS (default 8), BENCH_BCRYPT_COST
// (default 12), BENCH_API_RATELIMIT (default 1000000/minute), BENCH_PIPELINE=0 to skip the
// event pipeline, BENCH_PIPELINE_RATE (orders/s, default 250), BENCH_THROUGHPUT_WINDOW (s,
// default 12), BENCH_WORKER_CONCURRENCY / BENCH_WORKER_WORK_MS (default 10 / 2000),
// BENCH_KEEP_DATA=1 to keep the bench users and orders.
import postgres from "postgres";
import { ApiClient, type BenchUser, benchUser, inParallel, ORDER_BODY } from "./lib/client.ts";
import {
  freePort,
  readMemory,
  round,
  sampleRss,
  type Service,
  sleep,
  spawnService,
  waitForHttp,
} from "./lib/proc.ts";
import {
  type HttpScenario,
  num,
  scenarioTable,
  table,
  type Target,
  targetTable,
} from "./lib/report.ts";
import { runWrk, startWrk, type WrkRequest } from "./lib/wrk.ts";
import {
  type LatencyResult,
  type Outcome,
  type PipelineContext,
  pipelineUnavailable,
  runLatency,
  runThroughput,
  type ThroughputResult,
} from "./pipeline.ts";

const env = (name: string, fallback: string) => Deno.env.get(name) || fallback;
const settings = {
  durationS: Number(env("BENCH_DURATION", "10")),
  warmupS: Number(env("BENCH_WARMUP", "2")),
  connections: Number(env("BENCH_CONNECTIONS", "32")),
  pacedConnections: Number(env("BENCH_PACED_CONNECTIONS", "8")),
  pacedDelayMs: Number(env("BENCH_PACED_DELAY_MS", "5")),
  loginConnections: Number(env("BENCH_LOGIN_CONNECTIONS", "8")),
  bcryptCost: Number(env("BENCH_BCRYPT_COST", "12")),
  apiRateLimit: env("BENCH_API_RATELIMIT", "1000000000/minute"),
  pipeline: env("BENCH_PIPELINE", "1") !== "0",
  pipelineRate: Number(env("BENCH_PIPELINE_RATE", "250")),
  throughputWindowS: Number(env("BENCH_THROUGHPUT_WINDOW", "12")),
  workerConcurrency: Number(env("BENCH_WORKER_CONCURRENCY", "10")),
  workerWorkMs: Number(env("BENCH_WORKER_WORK_MS", "2000")),
  keepData: env("BENCH_KEEP_DATA", "0") === "1",
};
const TARGETS = {
  cachedGetVsHello: 0.5,
  loginP99Ratio: 2,
  apiRssMb: 150,
  pipelineP99Ms: 100,
  pipelineMinRate: 200,
  throughputRatio: 0.8,
};

const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const startedAt = new Date();
const runId = startedAt.toISOString().replace(/[-:]/g, "").replace(/\..*/, "").toLowerCase();
const t0 = performance.now();
const log = (message: string) =>
  console.error(`[bench ${((performance.now() - t0) / 1000).toFixed(0).padStart(3)}s] ${message}`);

for (const name of ["DATABASE_URL", "REDIS_URL", "KAFKA_BROKERS"]) {
  if (!Deno.env.get(name)) {
    console.error(`${name} is not set: run through scripts/bench.sh (deno task bench)`);
    Deno.exit(2);
  }
}

async function commandText(cmd: string, args: string[]): Promise<string> {
  try {
    const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    return text.trim().split("\n")[0];
  } catch {
    return "unavailable";
  }
}

/** Share of all cores' time spent busy over `ms` (from /proc/stat). */
async function cpuBusyPercent(ms: number): Promise<number> {
  const sample = async () => {
    const fields = (await Deno.readTextFile("/proc/stat")).split("\n")[0].trim().split(/\s+/)
      .slice(1).map(Number);
    const idle = fields[3] + (fields[4] ?? 0); // idle + iowait
    return { idle, total: fields.reduce((sum, n) => sum + n, 0) };
  };
  try {
    const before = await sample();
    await sleep(ms);
    const after = await sample();
    const total = after.total - before.total;
    return total > 0 ? round(100 * (1 - (after.idle - before.idle) / total)) : 0;
  } catch {
    return 0;
  }
}

/** Warm-up run (discarded), then the measured run with the target's RSS sampled. */
async function measure(
  title: string,
  pid: number,
  req: Omit<WrkRequest, "durationS">,
): Promise<HttpScenario> {
  log(`${title}: warm-up ${settings.warmupS} s, then ${settings.durationS} s`);
  if (settings.warmupS > 0) await runWrk({ ...req, durationS: settings.warmupS });
  const rss = sampleRss(pid);
  const result = await runWrk({ ...req, durationS: settings.durationS });
  const memory = await rss.stop();
  const scenario: HttpScenario = {
    title,
    ...result,
    peakRssMb: memory.peakRssMb,
    connections: req.connections,
    delayMs: req.delayMs,
  };
  log(
    `${title}: ${num(scenario.rps, 0)} req/s, p50 ${scenario.p50Ms} ms, p99 ${scenario.p99Ms} ms` +
      `, peak RSS ${scenario.peakRssMb} MB${scenario.errors ? `, ${scenario.errors} errors` : ""}`,
  );
  return scenario;
}

const services: Service[] = [];
const sql = postgres(Deno.env.get("DATABASE_URL")!, { max: 3, onnotice: () => {} });
const emailPrefix = `bench-${runId}-`;

async function startHello(): Promise<{ service: Service; url: string }> {
  const port = freePort();
  const service = spawnService({
    name: "hello world",
    cmd: Deno.execPath(),
    args: ["run", "--allow-net", "--allow-env", `${root}/bench/hello.ts`],
    env: { PORT: String(port) },
  });
  services.push(service);
  const url = `http://127.0.0.1:${port}/`;
  await waitForHttp(url, service);
  return { service, url };
}

function startTaskArgs(): string[] {
  const task: string = JSON.parse(Deno.readTextFileSync("deno.json")).tasks.start;
  const [deno, ...args] = task.split(/\s+/);
  if (deno !== "deno" || !args.includes("api/main.ts")) {
    throw new Error(`unexpected start task: ${task}`);
  }
  return args;
}

async function startApi(): Promise<{ service: Service; url: string }> {
  const port = freePort();
  const secret = Array.from(
    crypto.getRandomValues(new Uint8Array(36)),
    (b) => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[b % 64],
  ).join("") +
    crypto.randomUUID().slice(0, 12);
  const service = spawnService({
    name: "API",
    cmd: Deno.execPath(),
    // The production start task's own flags, so the numbers describe `deno task start`.
    args: startTaskArgs(),
    env: {
      APP_ENV: "test",
      HOST: "127.0.0.1",
      PORT: String(port),
      JWT_SECRET_KEY: secret,
      BCRYPT_COST: String(settings.bcryptCost),
      SLOWAPI_RATELIMIT: settings.apiRateLimit,
      LOGIN_RATELIMIT: settings.apiRateLimit,
      LOGGING_LVL: "WARNING",
    },
  });
  services.push(service);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/health/ready`, service, { timeoutMs: 60_000 });
  return { service, url };
}

/** Waits (bounded) until the relay has published the outbox rows of the given user's orders. */
async function drainOutbox(userId: string, maxS: number) {
  const pending = async () =>
    (await sql<{ n: number }[]>`
      select count(*)::int as n from outbox ob join orders o on ob.record_key = o.id::text
      where o.creator_id = ${userId} and ob.sent_at is null`)[0].n;
  const started = performance.now();
  const initial = await pending();
  let left = initial;
  let lastProgress = performance.now();
  while (left > 0 && performance.now() - started < maxS * 1000) {
    await sleep(500);
    const now = await pending();
    if (now < left) lastProgress = performance.now();
    left = now;
    if (performance.now() - lastProgress > 5_000) break; // no relay publishing
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    pendingAfterLoad: initial,
    pendingAtEnd: left,
    seconds: round(seconds, 1),
    publishedPerSecond: initial > left ? round((initial - left) / seconds) : 0,
  };
}

async function cleanup() {
  if (settings.keepData) return;
  try {
    // Unsent events of bench orders would otherwise wait for the next relay that runs.
    await sql`
      delete from outbox ob using orders o, users u
      where ob.record_key = o.id::text and o.creator_id = u.id and ob.sent_at is null
        and u.email like ${emailPrefix + "%"}`;
    await sql`delete from users where email like ${emailPrefix + "%"}`;
  } catch (error) {
    log(`cleanup failed: ${error instanceof Error ? error.message : error}`);
  }
}

type PipelineResults =
  | { status: "skipped"; reason: string }
  | {
    status: "ran";
    latency: Outcome<LatencyResult>;
    throughput: Outcome<ThroughputResult>;
  };

const results: Record<string, unknown> = {};
let exitCode = 0;
try {
  const [denoVersion, bunVersion, wrkVersion, commit, dirty] = await Promise.all([
    commandText(Deno.execPath(), ["--version"]),
    commandText("bun", ["--version"]),
    commandText("wrk", ["-v"]),
    commandText("git", ["-C", root, "rev-parse", "--short", "HEAD"]),
    commandText("git", ["-C", root, "status", "--porcelain", "--untracked-files=no"]),
  ]);
  const cores = navigator.hardwareConcurrency;
  // Other work on the machine competes with the API for its cores: say so in the report.
  const busyPercent = await cpuBusyPercent(1_000);
  const busy = busyPercent > 25;
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
  log("starting the hello-world reference server");
  const hello = await startHello();
  const helloResult = await measure("(a) hello world (bare Hono)", hello.service.pid, {
    url: hello.url,
    connections: settings.connections,
  });
  await hello.service.stop();

  // The API with its real dependencies.
  log("starting the API");
  const api = await startApi();
  const client = new ApiClient(api.url);
  const newUser = (label: string): Promise<BenchUser> =>
    benchUser(client, `${emailPrefix}${label}@example.com`);
  log("seeding users and orders");
  const [reader, writer, loginUser] = await Promise.all(
    ["reader", "writer", "login"].map(newUser),
  );
  const orders = await inParallel(100, 8, () => client.createOrder(reader.token, ORDER_BODY));
  const orderPaths = orders.map((o) => `/orders/${o.id}`);
  await inParallel(orders.length, 8, (i) => client.getOrder(reader.token, orders[i].id));
  const apiPid = api.service.pid;
  const idleMemory = await readMemory(apiPid);

  // (b) cached GET /orders/{id}: 100 orders, all in Redis, read in rotation.
  const cachedGet: Omit<WrkRequest, "durationS"> = {
    url: `${api.url}${orderPaths[0]}`,
    paths: orderPaths,
    token: reader.token,
    connections: settings.connections,
  };
  const cached = await measure("(b) GET /orders/{id} (cached)", apiPid, cachedGet);

  // (d) GET /orders/user/{id}: first page of 10 out of the reader's 100 orders.
  const list = await measure("(d) GET /orders/user/{id}", apiPid, {
    url: `${api.url}/orders/user/${reader.id}?page=1&page_size=10`,
    token: reader.token,
    connections: settings.connections,
  });

  // (e) cached GET p99 without and with 8 logins running continuously in another process;
  // saturating (same load as b) and paced (each connection pauses after every response).
  const paced = {
    ...cachedGet,
    connections: settings.pacedConnections,
    delayMs: settings.pacedDelayMs,
  };
  const satWithout = await measure("(e) cached GET, saturating, no logins", apiPid, cachedGet);
  const pacedWithout = await measure("(e) cached GET, paced, no logins", apiPid, paced);
  log(`starting ${settings.loginConnections} concurrent logins (wrk, POST /auth/token)`);
  const loginLoad = startWrk({
    url: `${api.url}/auth/token`,
    method: "POST",
    contentType: "application/x-www-form-urlencoded",
    body: new URLSearchParams({ username: loginUser.email, password: loginUser.password })
      .toString(),
    connections: settings.loginConnections,
    durationS: 3 * settings.warmupS + 2 * settings.durationS + 60,
  });
  await sleep(settings.warmupS * 1000);
  const satWith = await measure("(e) cached GET, saturating, 8 logins", apiPid, cachedGet);
  const pacedWith = await measure("(e) cached GET, paced, 8 logins", apiPid, paced);
  loginLoad.kill("SIGINT");
  const logins = await loginLoad.result.catch((error) => {
    log(`login load: ${error.message}`);
    return null;
  });
  if (logins) {
    log(`logins: ${logins.rps} /s, p50 ${logins.p50Ms} ms, ${logins.errors} errors`);
  }

  // Event pipeline (issue 3): before POST /orders so the relay has no backlog.
  let pipeline: PipelineResults;
  const unavailable = settings.pipeline
    ? await pipelineUnavailable(root)
    : "disabled with BENCH_PIPELINE=0";
  if (unavailable) {
    log(`event pipeline: SKIPPED: ${unavailable}`);
    pipeline = { status: "skipped", reason: unavailable };
  } else {
    const ctx: PipelineContext = {
      root,
      apiUrl: api.url,
      api: client,
      sql,
      runId,
      env: {
        KAFKA_BROKERS: Deno.env.get("KAFKA_BROKERS")!,
        DATABASE_URL: Deno.env.get("DATABASE_URL")!,
      },
      newUser,
      log,
      latency: { rate: settings.pipelineRate, durationS: settings.durationS },
      throughput: {
        windowS: settings.throughputWindowS,
        concurrency: settings.workerConcurrency,
        workMs: settings.workerWorkMs,
      },
    };
    const guard = async <T>(name: string, run: () => Promise<Outcome<T>>) => {
      try {
        const outcome = await run();
        const status = (outcome as { status: string }).status;
        if (status !== "ok") {
          log(`${name}: ${status.toUpperCase()}: ${(outcome as { reason: string }).reason}`);
        }
        return outcome;
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        log(`${name}: FAILED: ${reason}`);
        return { status: "failed" as const, reason };
      }
    };
    const latency = await guard("pipeline latency", () => runLatency(ctx));
    // If the path API → relay → Kafka → worker did not work once, it will not work now.
    const throughput: Outcome<ThroughputResult> = latency.status === "skipped"
      ? { status: "skipped", reason: `not run, as the latency scenario: ${latency.reason}` }
      : await guard("pipeline throughput", () => runThroughput(ctx));
    pipeline = { status: "ran", latency, throughput };
  }

  // (c) POST /orders (last: it leaves the relay a backlog to publish).
  const create = await measure("(c) POST /orders", apiPid, {
    url: `${api.url}/orders`,
    method: "POST",
    token: writer.token,
    contentType: "application/json",
    body: JSON.stringify(ORDER_BODY),
    connections: settings.connections,
  });
  log("waiting (bounded) for the relay to publish the POST /orders backlog");
  const drain = await drainOutbox(writer.id, 45);
  log(
    `outbox: ${drain.pendingAfterLoad} pending after the load, ${drain.pendingAtEnd} after ` +
      `${drain.seconds} s (${drain.publishedPerSecond}/s)`,
  );
  const endMemory = await readMemory(apiPid);
  await api.service.stop();

  // Targets.
  const scenarios = [
    helloResult,
    cached,
    create,
    list,
    satWithout,
    satWith,
    pacedWithout,
    pacedWith,
  ];
  const apiScenarios = scenarios.slice(1);
  const apiPeakMb = Math.max(...apiScenarios.map((s) => s.peakRssMb));
  const apiHwmMb = endMemory ? round(endMemory.hwmKb / 1024, 1) : null;
  const targets: Target[] = [];
  const rateRatio = cached.rps / helloResult.rps;
  targets.push({
    name: "cached GET rate vs hello world",
    measured: `${num(cached.rps, 0)} vs ${num(helloResult.rps, 0)} req/s`,
    ratio: round(rateRatio, 2),
    limit: `≥ ${TARGETS.cachedGetVsHello}`,
    pass: rateRatio >= TARGETS.cachedGetVsHello,
  });
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
    },
    api: {
      idleRssMb: idleMemory ? round(idleMemory.rssKb / 1024, 1) : null,
      peakRssUnderLoadMb: apiPeakMb,
      vmHwmMb: apiHwmMb,
    },
    outboxAfterCreate: drain,
    pipeline,
    targets: targets,
  });

  // Report.
  const lines = [
    `# Order service benchmark ${startedAt.toISOString()}`,
    "",
    `Commit ${results.commit}; ${cores} cores; ${denoVersion}; bun ${bunVersion}; ` +
    `${wrkVersion.replace(/ Copyright.*/, "")}; CPU ${busyPercent}% busy just before the start` +
    (busy ? " (**machine not idle: other processes competed for the cores**)." : "."),
    `Load: wrk, 1 thread, ${settings.durationS} s per run after a ${settings.warmupS} s ` +
    `warm-up; API: APP_ENV=test, BCRYPT_COST=${settings.bcryptCost}, rate limits ` +
    `${settings.apiRateLimit} (still one Redis round trip per request), LOGGING_LVL=WARNING.`,
    "",
    "## Targets",
    "",
    targetTable(targets),
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
  const markdown = lines.join("\n") + "\n";
  console.log("\n" + markdown);

  const dir = `${root}/bench/results`;
  await Deno.mkdir(dir, { recursive: true });
  const stamp = runId;
  await Deno.writeTextFile(`${dir}/${stamp}.json`, JSON.stringify(results, null, 2) + "\n");
  await Deno.writeTextFile(`${dir}/${stamp}.md`, markdown);
  await Deno.writeTextFile(`${dir}/latest.md`, markdown);
  log(`wrote bench/results/${stamp}.json, bench/results/${stamp}.md and bench/results/latest.md`);
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
