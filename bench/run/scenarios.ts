// The HTTP scenarios (a)–(e): each is a wrk warm-up (discarded), then a measured run with the
// target's RSS sampled.
import { type ApiClient, type BenchUser, inParallel, ORDER_BODY } from "../lib/client.ts";
import { sleep } from "../lib/proc.ts";
import { sampleRss } from "../lib/resource-usage.ts";
import { type HttpScenario, num } from "../lib/report.ts";
import { runWrk, startWrk, type WrkRequest } from "../lib/wrk.ts";
import { log, settings } from "./config.ts";
import { startHello } from "./services.ts";

/** Warm-up run (discarded), then the measured run with the target's RSS sampled. */
export async function measure(
  title: string,
  pid: number,
  req: Omit<WrkRequest, "durationS">,
  warmupS = settings.warmupS,
): Promise<HttpScenario> {
  log(`${title}: warm-up ${warmupS} s, then ${settings.durationS} s`);
  if (warmupS > 0) await runWrk({ ...req, durationS: warmupS });
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

export async function helloScenario(): Promise<HttpScenario> {
  log("starting the hello-world reference server");
  const hello = await startHello();
  const helloResult = await measure("(a) hello world (bare Hono)", hello.service.pid, {
    url: hello.url,
    connections: settings.connections,
  });
  await hello.service.stop();
  return helloResult;
}

/** Three users, and 100 orders of the reader's, all read once so that they are in Redis. */
export async function seed(client: ApiClient, newUser: (label: string) => Promise<BenchUser>) {
  log("seeding users and orders");
  const [reader, writer, loginUser] = await Promise.all(
    ["reader", "writer", "login"].map(newUser),
  );
  const orders = await inParallel(100, 8, () => client.createOrder(reader.token, ORDER_BODY));
  const orderPaths = orders.map((o) => `/orders/${o.id}`);
  await inParallel(orders.length, 8, (i) => client.getOrder(reader.token, orders[i].id));
  return { reader, writer, loginUser, orderPaths };
}

export async function readScenarios(
  apiUrl: string,
  apiPid: number,
  { reader, loginUser, orderPaths }: Awaited<ReturnType<typeof seed>>,
) {
  // (b) cached GET /orders/{id}: 100 orders, all in Redis, read in rotation.
  const cachedGet: Omit<WrkRequest, "durationS"> = {
    url: `${apiUrl}${orderPaths[0]}`,
    paths: orderPaths,
    token: reader.token,
    connections: settings.connections,
  };
  const cached = await measure("(b) GET /orders/{id} (cached)", apiPid, cachedGet);

  // (d) GET /orders/user/{id}: first page of 10 out of the reader's 100 orders.
  const list = await measure("(d) GET /orders/user/{id}", apiPid, {
    url: `${apiUrl}/orders/user/${reader.id}?page=1&page_size=10`,
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
  // (f) logins alone: the rate to compare with the machine's bcrypt limit.
  const loginRequest = {
    url: `${apiUrl}/auth/token`,
    method: "POST" as const,
    contentType: "application/x-www-form-urlencoded",
    body: new URLSearchParams({ username: loginUser.email, password: loginUser.password })
      .toString(),
    connections: settings.loginConnections,
  };
  // No warm-up: it would leave a queue of hashes that delays the measured logins; a long
  // timeout, as 8 queued logins wait 8 hashes on a one-worker pool (seconds on a busy machine).
  const loginsAlone = await measure("(f) POST /auth/token, logins alone", apiPid, {
    ...loginRequest,
    timeoutS: 60,
  }, 0);

  const satWithout = await measure("(e) cached GET, saturating, no logins", apiPid, cachedGet);
  const pacedWithout = await measure("(e) cached GET, paced, no logins", apiPid, paced);
  log(`starting ${settings.loginConnections} concurrent logins (wrk, POST /auth/token)`);
  const loginLoad = startWrk({
    ...loginRequest,
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
  return { cached, list, loginsAlone, satWithout, pacedWithout, satWith, pacedWith, logins };
}

export function createScenario(apiUrl: string, apiPid: number, writer: BenchUser) {
  return measure("(c) POST /orders", apiPid, {
    url: `${apiUrl}/orders`,
    method: "POST",
    token: writer.token,
    contentType: "application/json",
    body: JSON.stringify(ORDER_BODY),
    connections: settings.connections,
  });
}
