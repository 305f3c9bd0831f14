// Control of this checkout's own PostgreSQL, Redis and Kafka (the ones scripts/services.sh
// started): only pids from .data/pg/postmaster.pid and .data/run/*.pid are ever signalled.
// `scripts/services.sh up` brings back whatever is down.
import { ROOT, services, sleep, until } from "./env.ts";

const PG_DATA = `${ROOT}.data/pg`;
const isRoot = Deno.uid() === 0;

async function run(cmd: string, args: string[], what: string): Promise<string> {
  const out = await new Deno.Command(cmd, { args, cwd: ROOT, stdout: "piped", stderr: "piped" })
    .output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`${what} failed (${out.code}): ${text.trim()}`);
  return text.trim();
}

function pgBin(): string {
  const versions = [...Deno.readDirSync("/usr/lib/postgresql")].map((d) => d.name)
    .sort((a, b) => Number(a) - Number(b));
  return `/usr/lib/postgresql/${versions.at(-1)}/bin`;
}

/** PostgreSQL refuses to run as root, so as root its tools run as the `postgres` user. */
const asPg = (tool: string, args: string[]) =>
  isRoot ? run("runuser", ["-u", "postgres", "--", `${pgBin()}/${tool}`, ...args], tool) : run(
    `${pgBin()}/${tool}`,
    args,
    tool,
  );

export const servicesUp = () => run("bash", ["scripts/services.sh", "up"], "services.sh up");

function alive(pid: number): boolean {
  try {
    return !Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1].startsWith("Z");
  } catch {
    return false;
  }
}

/** The pid and every descendant (PostgreSQL's backends are children of the postmaster). */
function tree(pid: number): number[] {
  const pids = [pid];
  for (let i = 0; i < pids.length; i++) {
    try {
      for (const task of Deno.readDirSync(`/proc/${pids[i]}/task`)) {
        const children = Deno.readTextFileSync(`/proc/${pids[i]}/task/${task.name}/children`);
        pids.push(...children.trim().split(/\s+/).filter(Boolean).map(Number));
      }
    } catch { /* gone */ }
  }
  return pids;
}

function signalAll(pids: number[], signal: Deno.Signal) {
  for (const pid of pids) {
    try {
      Deno.kill(pid, signal);
    } catch { /* gone */ }
  }
}

const postmasterPid = () =>
  Number(Deno.readTextFileSync(`${PG_DATA}/postmaster.pid`).split("\n")[0]);
const pidFile = (name: string) =>
  Number(Deno.readTextFileSync(`${ROOT}.data/run/${name}.pid`).trim());

/** Freezes a process tree for `ms`, then thaws it (always, even if the caller is failing). */
async function freeze(pids: number[], ms: number) {
  signalAll(pids, "SIGSTOP");
  try {
    await sleep(ms);
  } finally {
    signalAll(pids, "SIGCONT");
  }
}

/**
 * Terminates a daemon and waits until it is gone: SIGTERM, then SIGKILL after `graceMs`.
 * Returns how it ended, for the notes.
 */
async function terminate(pid: number, graceMs = 60_000): Promise<string> {
  const started = Date.now();
  signalAll([pid], "SIGTERM");
  if (await until(() => !alive(pid), graceMs, 100)) {
    return `stopped by SIGTERM in ${Date.now() - started} ms`;
  }
  signalAll([pid], "SIGKILL");
  await until(() => !alive(pid), 10_000, 100);
  return `SIGKILL after ${graceMs} ms of SIGTERM`;
}

export const postgres = {
  /** pg_terminate_backend on every other client session; returns how many it ended. */
  async terminateAll(): Promise<number> {
    const out = await run(`${pgBin()}/psql`, [
      "-h",
      "127.0.0.1",
      "-p",
      services.pgPort,
      "-U",
      "postgres",
      "-d",
      "postgres",
      "-qtAc",
      "select count(pg_terminate_backend(pid)) from pg_stat_activity " +
      "where pid <> pg_backend_pid() and backend_type = 'client backend'",
    ], "psql terminate");
    return Number(out);
  },
  fastRestart: () =>
    asPg("pg_ctl", [
      "-D",
      PG_DATA,
      "-l",
      `${ROOT}.data/run/postgres.log`,
      "-m",
      "fast",
      "-w",
      "-t",
      "60",
      "restart",
    ]),
  async stopFor(ms: number) {
    await asPg("pg_ctl", ["-D", PG_DATA, "-m", "fast", "-w", "stop"]);
    try {
      await sleep(ms);
    } finally {
      await servicesUp();
    }
  },
  freeze: (ms: number) => freeze(tree(postmasterPid()), ms),
};

export const redis = {
  freeze: (ms: number) => freeze([pidFile("redis")], ms),
  async restart() {
    await terminate(pidFile("redis"));
    await servicesUp();
  },
};

export const kafka = {
  /**
   * Stops the broker (a controlled shutdown, cut short after 20 s on a busy machine), keeps
   * it down for `ms`, starts it again; returns what happened, with timings.
   */
  async downFor(ms: number): Promise<string> {
    const how = await terminate(pidFile("kafka"), 20_000);
    let upMs = 0;
    try {
      await sleep(ms);
    } finally {
      const started = Date.now();
      await servicesUp();
      upMs = Date.now() - started;
    }
    return `Kafka ${how}; up again ${upMs} ms after the start`;
  },
};

/** Last resort after a failed scenario: thaw everything we might have frozen, start all. */
export async function restoreAll() {
  try {
    signalAll(tree(postmasterPid()), "SIGCONT");
  } catch { /* no postmaster */ }
  try {
    signalAll([pidFile("redis")], "SIGCONT");
  } catch { /* no redis */ }
  await servicesUp();
}
