// The references the API's targets are measured against, taken in the same run as the API
// scenarios (before the API starts, so nothing of the API competes with them):
// - PostgreSQL's own rate for POST /orders's writes: pgbench running the API's statement
//   (api/orders/orders.insert.ts, written out by pgbench-script.ts) with a LISTEN outbox
//   session open, as the relay keeps one;
// - Redis's PING rate (redis-benchmark), the ceiling for anything needing one round trip;
// - one bcrypt hash's time at the API's cost, which bounds logins/s: cores / hash time.
import bcrypt from "bcryptjs";
import { round } from "../lib/proc.ts";
import { emailPrefix, log, settings, sql } from "./config.ts";
import { createOrderScript, findPgbench, PGBENCH_TOPIC } from "./pgbench-script.ts";

export type Reference<T> = ({ status: "ok" } & T) | { status: "skipped"; reason: string };
export type PgReference = Reference<
  { tps: number; clients: number; byClients: Record<number, number> }
>;
export type RedisReference = Reference<{ pingsPerSecond: number; clients: number }>;
export interface BcryptReference {
  cost: number;
  hashMs: number;
  /** cores × 1 / hash time: every core hashing, nothing else running. */
  machineLimitPerSecond: number;
}

/** Deletes the pgbench rows: the API scenarios must not find a bigger table than they made. */
export async function deletePgbenchRows() {
  await sql`delete from outbox where topic = ${PGBENCH_TOPIC}`;
  await sql`delete from orders o using users u
    where o.creator_id = u.id and u.email = ${emailPrefix + "pgbench@example.com"}`;
}

/** The best of pgbench runs with each client count (the API pool's size and wrk's). */
export async function pgCreateOrderRate(clientCounts: number[]): Promise<PgReference> {
  const pgbench = await findPgbench();
  if (!pgbench) return { status: "skipped", reason: "pgbench not found (package postgresql)" };
  const [{ id: creator }] = await sql<{ id: string }[]>`
    insert into users (id, email, password_hash)
    values (gen_random_uuid(), ${emailPrefix + "pgbench@example.com"}, 'x') returning id`;
  const script = await Deno.makeTempFile({ suffix: ".sql" });
  await Deno.writeTextFile(script, createOrderScript(sql));
  const listener = await sql.listen("outbox", () => {});
  const byClients: Record<number, number> = {};
  try {
    for (const clients of [...new Set(clientCounts)]) {
      log(`PostgreSQL reference: pgbench, create-order statement, ${clients} clients`);
      const args = (seconds: number) => [
        ...["-n", "-M", "prepared", "-j", "1", "-c", String(clients), "-T", String(seconds)],
        ...["-D", `creator=${creator}`, "-f", script, Deno.env.get("DATABASE_URL")!],
      ];
      if (settings.warmupS > 0) await run(pgbench, args(settings.warmupS));
      const out = await run(pgbench, args(settings.durationS));
      const tps = Number(/^tps = ([\d.]+)/m.exec(out)?.[1]);
      if (!Number.isFinite(tps)) throw new Error(`pgbench printed no tps:\n${out}`);
      byClients[clients] = round(tps);
      log(`PostgreSQL reference: ${round(tps)} create-order statements/s with ${clients} clients`);
      await deletePgbenchRows();
    }
  } finally {
    await listener.unlisten();
    await Deno.remove(script);
    await deletePgbenchRows();
  }
  const [clients, tps] = Object.entries(byClients).sort(([, a], [, b]) => b - a)[0];
  return { status: "ok", tps, clients: Number(clients), byClients };
}

export async function redisPingRate(clients: number): Promise<RedisReference> {
  const url = new URL(Deno.env.get("REDIS_URL")!);
  const args = ["-h", url.hostname, "-p", url.port || "6379", "-c", String(clients)];
  if (url.password) args.push("-a", decodeURIComponent(url.password));
  try {
    log(`Redis reference: redis-benchmark PING, ${clients} clients`);
    // PING_MBULK is PING in RESP, as clients send it; 50,000 take under a second when idle.
    const out = await run("redis-benchmark", [...args, "-t", "ping_mbulk", "-n", "50000", "--csv"]);
    const rps = Number(/"PING_MBULK","([\d.]+)"/.exec(out)?.[1]);
    if (!Number.isFinite(rps)) {
      throw new Error(`redis-benchmark printed no PING_MBULK rate:\n${out}`);
    }
    log(`Redis reference: ${round(rps)} PING/s`);
    return { status: "ok", pingsPerSecond: round(rps), clients };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { status: "skipped", reason: `redis-benchmark: ${reason.split("\n")[0]}` };
  }
}

/** The median of three hashes on this thread, with nothing else of the bench running. */
export function bcryptHash(cost: number, cores: number): BcryptReference {
  const times = [0, 1, 2].map(() => {
    const started = performance.now();
    bcrypt.hashSync("bench-password", cost);
    return performance.now() - started;
  }).sort((a, b) => a - b);
  const hashMs = round(times[1], 1);
  log(`bcrypt reference: one hash at cost ${cost} takes ${hashMs} ms`);
  return { cost, hashMs, machineLimitPerSecond: round((cores * 1000) / hashMs, 1) };
}

async function run(cmd: string, args: string[]): Promise<string> {
  const { code, stdout, stderr } = await new Deno.Command(cmd, { args }).output();
  const text = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
  if (code !== 0) throw new Error(`${cmd} exited with ${code}:\n${text}`);
  return text;
}

export type References = Awaited<ReturnType<typeof measureReferences>>;

export async function measureReferences(cores: number) {
  const postgres = await pgCreateOrderRate(settings.pgClients).catch((error) => ({
    status: "skipped" as const,
    reason: `pgbench failed: ${error instanceof Error ? error.message.split("\n")[0] : error}`,
  }));
  const redis = await redisPingRate(settings.connections);
  const bcrypt = bcryptHash(settings.bcryptCost, cores);
  return { postgres, redis, bcrypt };
}
