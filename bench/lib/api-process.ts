// How the bench and the fault suite start the API: `deno task start`'s own command line (so
// the numbers describe it), on loopback, with rate limits raised out of the way but still
// counted in Redis. Each caller adds what it measures differently.
import { type Service, spawnService } from "./proc.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** deno.json's start task: its leading `NAME=value` settings (the allocator's) and its
 * arguments, with the entry point as an absolute path. */
function startTask(): { env: Record<string, string>; args: string[] } {
  const task: string = JSON.parse(Deno.readTextFileSync(`${ROOT}deno.json`)).tasks.start;
  const words = task.split(/\s+/);
  const env: Record<string, string> = {};
  while (/^[A-Z_]+=/.test(words[0] ?? "")) {
    const setting = words.shift()!;
    const at = setting.indexOf("=");
    env[setting.slice(0, at)] = setting.slice(at + 1); // a value may hold "=" too
  }
  const [deno, ...args] = words;
  if (deno !== "deno" || !args.includes("api/main.ts")) throw new Error(`odd start task: ${task}`);
  return { env, args: args.map((arg) => arg === "api/main.ts" ? `${ROOT}api/main.ts` : arg) };
}

/** The environment every such API gets; `rateLimit` applies to every limit. */
function apiEnv(
  { port, secret, rateLimit }: { port: number; secret: string; rateLimit: string },
): Record<string, string> {
  return {
    APP_ENV: "test",
    HOST: "127.0.0.1",
    PORT: String(port),
    JWT_SECRET_KEY: secret,
    SLOWAPI_RATELIMIT: rateLimit,
    LOGIN_RATELIMIT: rateLimit,
    LOGIN_ACCOUNT_RATELIMIT: rateLimit,
    REGISTER_RATELIMIT: rateLimit,
  };
}

/** Spawns such an API; `env` adds to (or overrides) the common environment. */
export function spawnApi(
  { name, port, secret, rateLimit, env = {} }: {
    name: string;
    port: number;
    secret: string;
    rateLimit: string;
    env?: Record<string, string>;
  },
): Service {
  const task = startTask();
  return spawnService({
    name,
    cmd: Deno.execPath(),
    args: task.args,
    env: { ...task.env, ...apiEnv({ port, secret, rateLimit }), ...env },
  });
}
