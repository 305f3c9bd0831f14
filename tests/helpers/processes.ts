// Real processes for end-to-end tests: the API (api/main.ts) and private Redis servers.
import { testEnv, uniqueIp } from "./config.ts";
import { client } from "./http.ts";
import { waitFor } from "./wait.ts";
import { serverPort } from "./ports.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

export interface RunningApi {
  url: string;
  /** The metrics port's base URL (METRICS_PORT; a random port unless overridden). */
  metricsUrl: string;
  pid: number;
  logs: string[];
  /** False once the process has exited (crashed, or stopped). */
  alive(): boolean;
  stop(signal?: Deno.Signal): Promise<Deno.CommandStatus>;
}

/** Starts `api/main.ts` as `deno task start` does, on a free port, and waits until it listens. */
export async function startApi(overrides: Record<string, string> = {}): Promise<RunningApi> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", "--allow-env", "--allow-read", "--allow-sys", "api/main.ts"],
    cwd: ROOT,
    env: testEnv({
      PORT: "0",
      METRICS_PORT: "0",
      HOST: "127.0.0.1",
      LOGGING_LVL: "INFO",
      ...overrides,
    }),
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const logs: string[] = [];
  let port = 0;
  let metricsPort = 0;
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const lines = stream.pipeThrough(new TextDecoderStream());
    let buffer = "";
    for await (const chunk of lines) {
      buffer += chunk;
      const parts = buffer.split("\n");
      buffer = parts.pop()!;
      for (const line of parts) {
        logs.push(line);
        if (!port && line.includes('"listening"')) port = JSON.parse(line).port;
        if (!metricsPort && line.includes('"metrics listening"')) {
          metricsPort = JSON.parse(line).port;
        }
      }
    }
  };
  collect(child.stdout);
  collect(child.stderr);
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  await waitFor(() => port || exited, { timeoutMs: 30_000, what: "the API to listen" });
  if (!port) throw new Error(`API exited before listening:\n${logs.join("\n")}`);
  return {
    url: `http://127.0.0.1:${port}`,
    metricsUrl: `http://127.0.0.1:${metricsPort}`,
    pid: child.pid,
    logs,
    alive: () => !exited,
    async stop(signal: Deno.Signal = "SIGTERM") {
      if (!exited) child.kill(signal);
      return await status;
    },
  };
}

export interface RunningRedis {
  url: string;
  port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** SIGSTOP / SIGCONT: a Redis that hangs (accepts, never answers) instead of refusing. */
  freeze(): void;
  thaw(): void;
}

/** A private redis-server a test may stop and start without disturbing anyone else. */
export async function privateRedis(): Promise<RunningRedis> {
  const port = serverPort(); // restarted on the same port: see ports.ts
  let child: Deno.ChildProcess | undefined;
  const redis: RunningRedis = {
    url: `redis://127.0.0.1:${port}/0`,
    port,
    async start() {
      child = new Deno.Command("redis-server", {
        args: ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout: "null",
        stderr: "null",
      }).spawn();
      await waitFor(async () => {
        const conn = await Deno.connect({ hostname: "127.0.0.1", port });
        conn.close();
        return true;
      }, { what: "redis-server" });
    },
    freeze() {
      child?.kill("SIGSTOP");
    },
    thaw() {
      child?.kill("SIGCONT");
    },
    async stop() {
      if (!child) return;
      child.kill("SIGKILL");
      await child.status;
      child = undefined;
    },
  };
  await redis.start();
  return redis;
}

/** A new user, from a client address of its own, places one order on a running API; the answer
 * comes back with the user. */
export async function placeOrder(base: string, tag: string, json: unknown) {
  const http = client(base, { "X-Forwarded-For": uniqueIp() });
  const user = await http.user(tag);
  return { user, ...await http.call("POST", "/orders", { token: user.token, json }) };
}
