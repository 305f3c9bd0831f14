// The worker's PostgreSQL pool. Its size is WORKER_DB_POOL_MAX, independent of
// WORKER_CONCURRENCY: a record holds a connection only for two short statements (the duplicate
// check and the insert into processed_events), never during the downstream work, so a few
// connections serve many records in flight and N replicas need N × WORKER_DB_POOL_MAX of
// PostgreSQL's max_connections, not N × concurrency.
import postgres from "postgres";

export interface WorkerDbOptions {
  url: string;
  poolMax: number;
}

export function createWorkerSql({ url, poolMax }: WorkerDbOptions): postgres.Sql {
  return postgres(url, {
    max: poolMax,
    // A hung or unreachable server fails the statement instead of stalling it for minutes;
    // the handler treats that as transient and retries with backoff.
    connect_timeout: 5,
    idle_timeout: 60,
    connection: {
      application_name: "order-worker",
      statement_timeout: 10_000,
      lock_timeout: 5_000,
      idle_in_transaction_session_timeout: 30_000,
    },
    onnotice: () => {},
  });
}
