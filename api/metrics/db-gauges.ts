// Gauges read from PostgreSQL when Prometheus scrapes, never per request: the outbox backlog
// (state 'pending') and its oldest event's age, parked events (state 'parked', set aside after
// failing repeatedly: `deno task outbox`), and this process's connections by state. They use
// their own one-connection pool with a short statement timeout, so a slow or unreachable
// database makes a scrape report NaN quickly instead of hanging it or taking request
// connections. Several API processes report the same outbox numbers: aggregate with max().
import postgres from "postgres";
import { Gauge, type Registry } from "prom-client";
import type { Log } from "../../common/logger.ts";
import { registry } from "./metrics.ts";

const TIMEOUT_MS = 1_000;

export interface DbGaugeOptions {
  databaseUrl: string;
  /** application_name of the request pool's connections (unique per process). */
  applicationName: string;
  poolMax: number;
  log: Log;
  /** Where the gauges are registered (the API's registry unless a test brings its own). */
  registry?: Registry;
}

interface Snapshot {
  pending: number;
  oldestAgeSeconds: number;
  parked: number;
  connections: Record<string, number>;
}

const EMPTY_STATES = { active: 0, idle: 0, idle_in_transaction: 0 };

export function registerDbGauges(opts: DbGaugeOptions): { close(): Promise<void> } {
  const registers = [opts.registry ?? registry];
  const sql = postgres(opts.databaseUrl, {
    max: 1,
    connect_timeout: 2,
    idle_timeout: 60,
    connection: {
      statement_timeout: TIMEOUT_MS,
      application_name: "order-service-api-metrics",
    },
    onnotice: () => {},
  });

  async function read(): Promise<Snapshot> {
    // Each count walks its partial index (state = 'pending' / 'parked'); sent rows are skipped.
    const [outbox] = await sql<{ pending: number; oldest: number; parked: number }[]>`
      select
        (select count(*)::int from outbox where state = 'pending') as pending,
        (select coalesce(extract(epoch from now() - min(created_at)), 0)::float8
          from outbox where state = 'pending') as oldest,
        (select count(*)::int from outbox where state = 'parked') as parked`;
    const connections: Record<string, number> = { ...EMPTY_STATES };
    for (
      const row of await sql<{ state: string; n: number }[]>`
        select coalesce(state, 'unknown') as state, count(*)::int as n from pg_stat_activity
        where application_name = ${opts.applicationName} group by 1`
    ) connections[row.state.replaceAll(" ", "_")] = row.n;
    return {
      pending: outbox.pending,
      oldestAgeSeconds: outbox.oldest,
      parked: outbox.parked,
      connections,
    };
  }

  // One database read per scrape, shared by all the gauges below.
  let current: Promise<Snapshot | null> | null = null;
  function snapshot(): Promise<Snapshot | null> {
    current ??= read().catch((error) => {
      opts.log("warning", "metrics: database gauges unavailable", { error: String(error) });
      return null;
    }).finally(() => setTimeout(() => (current = null), 100));
    return current;
  }

  const gauge = (name: string, help: string, pick: (s: Snapshot) => number) =>
    new Gauge({
      name,
      help,
      registers,
      async collect() {
        const s = await snapshot();
        this.set(s ? pick(s) : NaN);
      },
    });
  gauge(
    "outbox_pending_events",
    "Outbox events not yet published to Kafka (parked ones not counted).",
    (s) => s.pending,
  );
  gauge(
    "outbox_oldest_pending_age_seconds",
    "Age of the oldest pending outbox event (0 when none is pending).",
    (s) => s.oldestAgeSeconds,
  );
  gauge(
    "outbox_parked_events",
    "Outbox events parked after failing repeatedly; an operator decides (deno task outbox).",
    (s) => s.parked,
  );
  new Gauge({
    name: "db_pool_connections",
    help: 'This process\'s PostgreSQL connections by state; state="max" is the pool size.',
    labelNames: ["state"] as const,
    registers,
    async collect() {
      const s = await snapshot();
      this.set({ state: "max" }, opts.poolMax);
      for (const state of Object.keys(s?.connections ?? EMPTY_STATES)) {
        this.set({ state }, s ? s.connections[state] : NaN);
      }
    },
  });
  return { close: () => sql.end({ timeout: 2 }) };
}
