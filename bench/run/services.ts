// Starts the servers under test as separate processes: the bare Hono hello world and the API
// (with the production start task's flags). Every started service is stopped by bench/run.ts.
import { spawnApi } from "../lib/api-process.ts";
import { freePort, randomSecret, type Service, spawnService, waitForHttp } from "../lib/proc.ts";
import { root, settings } from "./config.ts";

export const services: Service[] = [];

export async function startHello(): Promise<{ service: Service; url: string }> {
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

// One secret for every API process of the run, so a token works on each of them.
const secret = randomSecret();

/** The API as `deno task start` runs it; `env` adds or overrides variables. */
export async function startApi(
  env: Record<string, string> = {},
): Promise<{ service: Service; url: string }> {
  const port = freePort();
  // The production start task's own flags, so the numbers describe `deno task start`.
  const service = spawnApi({
    name: "API",
    port,
    secret,
    rateLimit: settings.apiRateLimit,
    env: {
      BCRYPT_COST: String(settings.bcryptCost),
      LOGGING_LVL: settings.apiLogLevel,
      HOT_PATH_IN_PROCESS: String(settings.hotPathInProcess),
      // Seeding registers users in parallel and (e)/(f) queue 8 logins on the hash workers: on a
      // busy machine that is longer than the default deadline, which is not what is measured.
      REQUEST_TIMEOUT_MS: "60000",
      METRICS_PORT: "0", // several benches (or a dev API) may run side by side
      ...(settings.hashWorkers ? { PASSWORD_HASH_WORKERS: settings.hashWorkers } : {}),
      ...env,
    },
  });
  services.push(service);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/health/ready`, service, { timeoutMs: 60_000 });
  return { service, url };
}
