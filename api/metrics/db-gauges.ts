// Gauges read from PostgreSQL when Prometheus scrapes, never per request: the outbox backlog,
// its oldest event's age, parked events, and this process's connections by state. They use
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
    const outbox = await (await hasParking() ? outboxWithParking() : outboxWithoutParking());
    const connections: Record<string, number> = { ...EMPTY_STATES };
    for (
      const row of await sql<{ state: string; n: number }[]>`
        select coalesce(state, 'unknown') as state, count(*)::int as n from pg_stat_activity
        where application_name = ${opts.applicationName} group by 1`
    ) connections[row.state.replaceAll(" ", "_")] = row.n;
    return { ...outbox, connections };
  }

  // Parking (a 'parked' state for events that keep failing) may or may not exist in this
  // schema. Where it does, parked events are counted apart and left out of the backlog and
  // its age, so one parked event does not look like a stuck relay.
  async function hasParking(): Promise<boolean> {
    const [{ n }] = await sql<{ n: number }[]>`
      select count(*)::int as n from information_schema.columns
      where table_schema = current_schema() and table_name = 'outbox'
        and column_name in ('state', 'status', 'parked_at')`;
    return n > 0;
  }

  async function outboxWithoutParking() {
    const [row] = await sql<{ pending: number; oldest: number }[]>`
      select count(*)::int as pending,
        coalesce(extract(epoch from now() - min(created_at)), 0)::float8 as oldest
      from outbox where sent_at is null`;
    return { pending: row.pending, oldestAgeSeconds: row.oldest, parked: 0 };
  }

  // to_jsonb reads the parking column whatever its name, without naming a column that may not
  // exist; only unsent rows are looked at.
  async function outboxWithParking() {
    const [row] = await sql<{ pending: number; oldest: number; parked: number }[]>`
      select count(*) filter (where not parked)::int as pending,
        coalesce(extract(epoch from now() - min(created_at) filter (where not parked)), 0)::float8
          as oldest,
        count(*) filter (where parked)::int as parked
      from (
        select created_at,
          coalesce(to_jsonb(o) ->> 'state', to_jsonb(o) ->> 'status', '') = 'parked'
            or to_jsonb(o) ->> 'parked_at' is not null as parked
        from outbox o where sent_at is null
      ) unsent`;
    return { pending: row.pending, oldestAgeSeconds: row.oldest, parked: row.parked };
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
  gauge("outbox_pending_events", "Outbox events not yet published to Kafka.", (s) => s.pending);
  gauge(
    "outbox_oldest_pending_age_seconds",
    "Age of the oldest unpublished outbox event (0 when none is pending).",
    (s) => s.oldestAgeSeconds,
  );
  gauge(
    "outbox_parked_events",
    "Outbox events parked after failing repeatedly (0 where parking does not exist).",
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
