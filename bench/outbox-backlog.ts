// Outbox backlog drain: how fast the relay publishes a backlog of N pending rows (Kafka was
// down, say), for several N. A rate that holds as N grows means the drain is linear in the
// backlog (the claim walks the pending index; nothing rescans or sorts the whole backlog).
//
// Part of `deno task bench` (bench/run.ts); alone:
//   bash scripts/with-env.sh deno run -A bench/outbox-backlog.ts
// Settings: BENCH_OUTBOX_SIZES (comma list, default 10000,100000), BENCH_OUTBOX_BATCH (rows
// per relay batch, default 100 like OUTBOX_BATCH_SIZE), BENCH_OUTBOX=0 to skip.
// The rows go to their own topic (bench.outbox-backlog), never to new_order.
import { Kafka, logLevel } from "kafkajs";
import postgres from "postgres";
import { createOutboxRelay } from "../api/events/relay.ts";

export const BENCH_TOPIC = "bench.outbox-backlog";

export interface BacklogRun {
  rows: number;
  insertSeconds: number;
  drainSeconds: number;
  rowsPerSecond: number;
}

export type OutboxBacklogResult =
  | { status: "skipped"; reason: string }
  | { status: "ran"; batchSize: number; runs: BacklogRun[]; error?: string };

const env = (name: string, fallback: string) => Deno.env.get(name) || fallback;

async function ensureTopic(brokers: string[]) {
  const admin = new Kafka({ clientId: "bench-outbox", brokers, logLevel: logLevel.NOTHING })
    .admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(BENCH_TOPIC)) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: [{ topic: BENCH_TOPIC, numPartitions: 3, replicationFactor: 1 }],
      });
    }
  } finally {
    await admin.disconnect();
  }
}

async function drainOnce(
  sql: postgres.Sql,
  brokers: string[],
  rows: number,
  batchSize: number,
): Promise<BacklogRun> {
  const tag = `bench-outbox-${crypto.randomUUID()}`;
  // A realistic record: an order as the API returns it, with the usual headers.
  const value = JSON.stringify({
    id: crypto.randomUUID(),
    creator_id: crypto.randomUUID(),
    items: { sku_1: 2, sku_2: 1 },
    order_price: 42.5,
    status: "PENDING",
    created_at: new Date().toISOString(),
    updated_at: new Date().toISOString(),
  });
  const t0 = performance.now();
  await sql`insert into outbox (event_id, topic, record_key, record_value, headers)
    select gen_random_uuid(), ${BENCH_TOPIC}, ${tag}, ${value},
      jsonb_build_object('event-type', 'order.created', 'event-version', '1',
        'content-type', 'application/json')
    from generate_series(1, ${rows})`;
  const insertSeconds = (performance.now() - t0) / 1000;
  const relay = createOutboxRelay({
    sql,
    brokers,
    clientId: "bench-outbox-relay",
    sweepIntervalMs: 1_000,
    batchSize,
    log: () => {},
    lockKey: 2_000_000_000 + Math.floor(Math.random() * 100_000_000),
  });
  const t1 = performance.now();
  await relay.start();
  try {
    // Progress from the relay itself (polling the table would compete with the drain).
    while (relay.status().published < rows) {
      if (performance.now() - t1 > 600_000) throw new Error(`drain of ${rows} rows took > 600 s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // (Other pending rows may have counted too: confirm that ours are all marked sent.)
    for (;;) {
      const [{ left }] = await sql`select count(*)::int as left from outbox
        where record_key = ${tag} and state <> 'sent'`;
      if (left === 0) break;
      if (performance.now() - t1 > 600_000) throw new Error(`${left} of ${rows} rows unsent`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    await relay.stop();
  }
  const drainSeconds = (performance.now() - t1) / 1000;
  await sql`delete from outbox where record_key = ${tag}`;
  return {
    rows,
    insertSeconds: Math.round(insertSeconds * 10) / 10,
    drainSeconds: Math.round(drainSeconds * 10) / 10,
    rowsPerSecond: Math.round(rows / drainSeconds),
  };
}

export async function runOutboxBacklog(
  log: (message: string) => void = console.error,
): Promise<OutboxBacklogResult> {
  if (env("BENCH_OUTBOX", "1") === "0") return { status: "skipped", reason: "BENCH_OUTBOX=0" };
  const databaseUrl = Deno.env.get("DATABASE_URL");
  const brokers = (Deno.env.get("KAFKA_BROKERS") ?? "").split(",").filter(Boolean);
  if (!databaseUrl || brokers.length === 0) {
    return { status: "skipped", reason: "DATABASE_URL or KAFKA_BROKERS unset" };
  }
  const sizes = env("BENCH_OUTBOX_SIZES", "10000,100000").split(",").map(Number);
  const batchSize = Number(env("BENCH_OUTBOX_BATCH", "100"));
  const sql = postgres(databaseUrl, { max: 4, onnotice: () => {} });
  const runs: BacklogRun[] = [];
  try {
    await ensureTopic(brokers);
    for (const rows of sizes) {
      log(`outbox backlog: draining ${rows} rows (batches of ${batchSize})`);
      const run = await drainOnce(sql, brokers, rows, batchSize);
      log(`outbox backlog: ${rows} rows in ${run.drainSeconds} s = ${run.rowsPerSecond} rows/s`);
      runs.push(run);
    }
    return { status: "ran", batchSize, runs };
  } catch (error) {
    return { status: "ran", batchSize, runs, error: String(error) };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

export function renderOutboxBacklog(result: OutboxBacklogResult): string {
  if (result.status === "skipped") {
    return `\n### Outbox backlog drain\n\nskipped: ${result.reason}\n`;
  }
  const lines = [
    "",
    "### Outbox backlog drain",
    "",
    `Relay batches of ${result.batchSize} rows, to topic \`${BENCH_TOPIC}\`.`,
    "",
    "| backlog (rows) | drain (s) | rows/s |",
    "| -------------- | --------- | ------ |",
    ...result.runs.map((r) => `| ${r.rows} | ${r.drainSeconds} | ${r.rowsPerSecond} |`),
  ];
  if (result.error) lines.push("", `error: ${result.error}`);
  return lines.join("\n") + "\n";
}

if (import.meta.main) {
  const result = await runOutboxBacklog();
  console.log(renderOutboxBacklog(result));
  Deno.exit(result.status === "ran" && !result.error ? 0 : 1);
}
