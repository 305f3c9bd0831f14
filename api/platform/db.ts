// PostgreSQL access: one postgres.js pool per process, and the start-up migration check.
import postgres from "postgres";
import type { Config } from "../config.ts";

export type Sql = postgres.Sql;
export type Tx = postgres.TransactionSql;

/** Unique per process, so the metrics can find this pool's sessions in pg_stat_activity. */
export const APPLICATION_NAME = `order-service-api-${crypto.randomUUID().slice(0, 8)}`;

/**
 * A postgres.js pool. Requests use the main one (`max` DB_POOL_MAX); the outbox relay and its
 * leader lock use a small one of their own (`ops`, DB_OPS_POOL_MAX) so that request load cannot
 * starve them; the readiness probe has one connection of its own (`probe`), so that a flood of
 * readiness checks cannot take the relay's.
 */
export function createSql(
  config: Config["db"],
  { max = config.poolMax, applicationName = APPLICATION_NAME } = {},
): Sql {
  return postgres(config.url, {
    max,
    // Fail fast when PostgreSQL is down, so requests answer 503 instead of hanging.
    connect_timeout: config.connectTimeoutSeconds,
    idle_timeout: 60,
    // Reconnect quickly once PostgreSQL is back: the default backoff grows to 20 s after a
    // long outage; capped at 1 s (with jitter) service returns within about a second.
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 1) * (0.5 + Math.random() / 2),
    connection: {
      statement_timeout: config.statementTimeoutMs,
      idle_in_transaction_session_timeout: 30_000,
      application_name: applicationName,
    },
    onnotice: () => {},
  });
}

export function createOpsSql(config: Config["db"]): Sql {
  return createSql(config, { max: config.opsPoolMax, applicationName: "order-service-ops" });
}

/** One connection: concurrent readiness checks share one probe (health/health.ts). */
export function createProbeSql(config: Config["db"]): Sql {
  return createSql(config, { max: 1, applicationName: "order-service-probe" });
}

export class NotMigratedError extends Error {
  override name = "NotMigratedError";
}

/** Refuses to run against a database missing any migration in db/migrations. */
export async function assertMigrated(sql: Sql, migrationsDir: URL): Promise<void> {
  const expected: string[] = [];
  for (const entry of Deno.readDirSync(migrationsDir)) {
    const version = /^(\d+)_.*\.sql$/.exec(entry.name)?.[1];
    if (version) expected.push(version);
  }
  const [{ exists }] = await sql<{ exists: boolean }[]>`
    select to_regclass('public.schema_migrations') is not null as exists`;
  const applied = exists
    ? new Set((await sql<{ version: string }[]>`select version from schema_migrations`)
      .map((row) => row.version))
    : new Set<string>();
  const missing = expected.filter((version) => !applied.has(version)).sort();
  if (missing.length > 0) {
    throw new NotMigratedError(
      `the database is not migrated (missing ${missing.join(", ")}): run \`deno task migrate\``,
    );
  }
}

export const MIGRATIONS_DIR = new URL("../../db/migrations/", import.meta.url);
