// The order worker (SPEC §5): `bun run worker`. Consumes the registry's topics (new_order,
// order_events: common/events/registry.ts) in a consumer group, purges old processed_events,
// records each event once in processed_events, dead-letters what cannot be processed, serves
// GET /internal/alive and /internal/ready, pauses while the database cannot serve it
// (worker/pause.ts), and on SIGTERM/SIGINT finishes in-flight work, commits and leaves.
import { Kafka, logLevel, Partitioners } from "kafkajs";
import process from "node:process";
import { kafkaLogCreator } from "../common/events/kafka-log.ts";
import { loadWorkerConfig, type WorkerConfig } from "./config.ts";
import { loadOrExit } from "../common/env-schema.ts";
import { createOrderConsumer } from "./consumer.ts";
import { createWorkerSql } from "./db.ts";
import { createHandler } from "./handle.ts";
import { startHealthServer } from "./health.ts";
import { startWorkerHousekeeping } from "./housekeeping.ts";
import { createPause } from "./pause.ts";
import { startDefaultMetrics } from "./metrics.ts";
import { instrumentHandler, startTracing } from "./tracing.ts";
import { createLogger } from "../common/logger.ts";
import { guardProcess } from "../common/process-guard.ts";
import { warnIfDriverUnpatched } from "../common/driver-patch.ts";

const config: WorkerConfig = loadOrExit(loadWorkerConfig);

const tracing = startTracing({ endpoint: config.otlpEndpoint, serviceName: "order-worker" });
startDefaultMetrics();
const log = createLogger(config.logLevel, { service: "order-worker" });
guardProcess(log); // log and keep consuming rather than die on an error that escaped its caller
warnIfDriverUnpatched(log);
const errorText = (error: unknown) => error instanceof Error ? error.message : String(error);
// Bounded independently of the concurrency (see worker/db.ts).
const sql = createWorkerSql({ url: config.databaseUrl, poolMax: config.dbPoolMax });
const kafka = new Kafka({
  clientId: config.clientId,
  brokers: config.brokers,
  logLevel: logLevel.WARN,
  logCreator: kafkaLogCreator(log),
  retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 5_000 },
});
const dlqProducer = kafka.producer({
  idempotent: true,
  maxInFlightRequests: 1,
  createPartitioner: Partitioners.DefaultPartitioner,
});
// One pause for the process: an outage or a wrong role seen by one record holds back them all.
const pause = createPause({ log });
const consumer = createOrderConsumer({
  kafka,
  groupId: config.groupId,
  sessionTimeoutMs: config.sessionTimeoutMs,
  concurrency: config.concurrency,
  dlqProducer,
  log,
  // Better to exit and be restarted by the supervisor than to idle with a 503.
  onFatal: () => void shutdown("consumer-crash", 1),
  handle: instrumentHandler(createHandler({
    sql,
    simulatedWorkMs: config.simulatedWorkMs,
    maxRetries: config.maxRetries,
    log,
    pause,
  })),
});
// Without its health port the worker cannot be supervised: better to exit and be restarted
// than to run unseen (the process guard would otherwise log this and carry on).
const health = await startHealthServer(config.healthPort, {
  alive: consumer.isRunning,
  paused: pause.current,
}).catch((error) => {
  log("critical", "cannot serve the health port; exiting", {
    port: config.healthPort,
    error: errorText(error),
  });
  process.exit(1);
});

const stopHousekeeping = startWorkerHousekeeping(sql, log, {
  retentionDays: config.processedEventsRetentionDays,
  everyMs: config.housekeepingIntervalMs,
});

let stopping = false;
async function shutdown(signal: string, exitCode = 0) {
  if (stopping) return;
  stopping = true;
  log("info", "worker stopping", { signal });
  const force = setTimeout(() => {
    log("error", "shutdown timed out; exiting", { timeoutMs: config.shutdownTimeoutMs });
    process.exit(1);
  }, config.shutdownTimeoutMs);
  let code = exitCode;
  try {
    await consumer.stop();
    await dlqProducer.disconnect();
    await stopHousekeeping();
  } catch (error) {
    log("error", "shutdown failed", { error: errorText(error) });
    code = 1;
  }
  await sql.end({ timeout: 5 }).catch(() => {});
  await tracing.shutdown().catch(() => {});
  await health.close();
  clearTimeout(force);
  log("info", "worker stopped", { code });
  process.exit(code);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));

// Kafka may not be up yet (or the topics not created): keep trying rather than exit.
for (let attempt = 0; !stopping; attempt++) {
  try {
    await dlqProducer.connect();
    await consumer.start();
    log("info", "worker consuming", {
      groupId: config.groupId,
      concurrency: config.concurrency,
      simulatedWorkMs: config.simulatedWorkMs,
      healthPort: config.healthPort,
    });
    break;
  } catch (error) {
    log("warning", "worker could not start; retrying", { attempt, error: errorText(error) });
    await new Promise((resolve) => setTimeout(resolve, Math.min(10_000, 500 * 2 ** attempt)));
  }
}
