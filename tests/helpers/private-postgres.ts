// A private PostgreSQL cluster for destructive tests (terminate every session, restart, stop,
// SIGSTOP): initdb into a temporary directory, on a free port, migrated with dbmate, so the
// shared instance other test files use is never disturbed. As root, PostgreSQL runs as the
// `postgres` OS user (it refuses root), as scripts/services.sh does.
import postgres from "postgres";
import { REPO_ROOT, runChild } from "./child.ts";
import { waitFor } from "./wait.ts";
import { serverPort } from "./ports.ts";

export interface PrivatePostgres {
  /** The application's URL (role and database order_service, migrated). */
  url: string;
  port: number;
  /** Runs fn with a superuser connection to the `postgres` database. */
  admin<T>(fn: (sql: postgres.Sql) => Promise<T>): Promise<T>;
  /** pg_terminate_backend on every session of the order_service database. */
  terminateAll(): Promise<number>;
  /** A fast shutdown (`pg_ctl -m fast stop`); start() brings it back on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** SIGSTOP / SIGCONT the postmaster and every backend: a hung, not refusing, server. */
  freeze(): Promise<void>;
  thaw(): Promise<void>;
  /** Stops the cluster and deletes its directory. */
  destroy(): Promise<void>;
}

const asRoot = Deno.uid() === 0;

function pgBin(): string {
  const versions = [...Deno.readDirSync("/usr/lib/postgresql")].map((e) => e.name)
    .sort((a, b) => Number(a) - Number(b));
  if (versions.length === 0) throw new Error("PostgreSQL is not installed (/usr/lib/postgresql)");
  return `/usr/lib/postgresql/${versions.at(-1)}/bin`;
}

async function asPostgres(program: string, args: string[]) {
  const [command, argv] = asRoot
    ? ["runuser", ["-u", "postgres", "--", program, ...args]]
    : [program, args];
  const result = await runChild(command, argv, {
    env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" },
    timeoutMs: 60_000,
  });
  if (result.code !== 0) {
    throw new Error(`${program} ${args.join(" ")} failed:\n${result.stdout}${result.stderr}`);
  }
  return result.stdout;
}

/** The pids of the postmaster and its children (backends, checkpointer, ...), from /proc. */
function clusterPids(postmaster: number): number[] {
  const pids = [postmaster];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === postmaster) pids.push(Number(entry.name));
    } catch { /* the process ended meanwhile */ }
  }
  return pids;
}

export async function privatePostgres(): Promise<PrivatePostgres> {
  const bin = pgBin();
  const dir = await Deno.makeTempDir({ prefix: "order-service-pg-" });
  const data = `${dir}/data`;
  await Deno.mkdir(data);
  if (asRoot) await runChild("chown", ["-R", "postgres", dir]);
  await asPostgres(`${bin}/initdb`, [
    "-D",
    data,
    "-U",
    "postgres",
    "--auth=trust",
    "-E",
    "UTF8",
    "--locale=C.UTF-8",
  ]);
  const port = serverPort();
  const superUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const url = `postgres://order_service:order_service@127.0.0.1:${port}/order_service`;
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c max_connections=100 ` +
    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off";

  async function start() {
    await asPostgres(`${bin}/pg_ctl`, [
      "-D",
      data,
      "-l",
      `${dir}/postgres.log`,
      "-w",
      "-t",
      "60",
      "-o",
      options,
      "start",
    ]);
  }
  async function stop() {
    await asPostgres(`${bin}/pg_ctl`, ["-D", data, "-m", "fast", "-w", "stop"]);
  }
  function postmasterPid(): number {
    return Number(Deno.readTextFileSync(`${data}/postmaster.pid`).split("\n")[0]);
  }
  function signalAll(signal: Deno.Signal) {
    for (const pid of clusterPids(postmasterPid())) {
      try {
        Deno.kill(pid, signal);
      } catch { /* gone */ }
    }
  }
  async function withSuperuser<T>(fn: (sql: postgres.Sql) => Promise<T>): Promise<T> {
    const sql = postgres(superUrl, { max: 1, onnotice: () => {}, connect_timeout: 5 });
    try {
      return await fn(sql);
    } finally {
      await sql.end({ timeout: 1 });
    }
  }

  await start();
  await withSuperuser(async (sql) => {
    await sql`create role order_service login password 'order_service'`;
    await sql`create database order_service owner order_service`;
  });
  const migrate = await runChild(`${REPO_ROOT}node_modules/.bin/dbmate`, [
    "--url",
    `${url}?sslmode=disable`,
    "--migrations-dir",
    "db/migrations",
    "--no-dump-schema",
    "up",
  ], { env: { PATH: Deno.env.get("PATH") ?? "" }, timeoutMs: 60_000 });
  if (migrate.code !== 0) throw new Error(`dbmate failed:\n${migrate.stderr}`);

  return {
    url,
    port,
    admin: withSuperuser,
    terminateAll: () =>
      withSuperuser(async (sql) => {
        const rows = await sql`
          select pg_terminate_backend(pid) from pg_stat_activity
          where datname = 'order_service' and pid <> pg_backend_pid()`;
        return rows.length;
      }),
    stop,
    start,
    async freeze() {
      signalAll("SIGSTOP");
      await Promise.resolve();
    },
    async thaw() {
      signalAll("SIGCONT");
      await waitFor(async () => {
        await withSuperuser((sql) => sql`select 1`);
        return true;
      }, { what: "PostgreSQL to answer after SIGCONT" });
    },
    async destroy() {
      try {
        signalAll("SIGCONT");
        await stop();
      } catch { /* already stopped */ }
      await Deno.remove(dir, { recursive: true });
    },
  };
}
