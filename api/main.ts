// Production entry point: config, dependencies, migration check, HTTP server, outbox relay,
// and a graceful shutdown on SIGTERM/SIGINT.
import { createApp } from "./app.ts";
import { type Config, loadConfig } from "./config.ts";
import { loadOrExit } from "../common/env-schema.ts";
import {
  APPLICATION_NAME,
  assertMigrated,
  MIGRATIONS_DIR,
  NotMigratedError,
} from "./platform/db.ts";
import { createDeps } from "./deps.ts";
import { createProcessRelay } from "./events/process-relay.ts";
import { startHousekeeping } from "./housekeeping.ts";
import { registerDbGauges } from "./metrics/db-gauges.ts";
import { startMetricsServer } from "./metrics/server.ts";
import { createLogger, errorFields } from "../common/logger.ts";
import { guardProcess } from "../common/process-guard.ts";
import { warnIfDriverUnpatched } from "../common/driver-patch.ts";

const config: Config = loadOrExit(loadConfig);
const log = createLogger(config.logLevel);
guardProcess(log); // log and keep serving rather than die on an error that escaped its caller
warnIfDriverUnpatched(log);
const { deps, close } = createDeps(config, log);

try {
  await assertMigrated(deps.sql, MIGRATIONS_DIR);
} catch (error) {
  log("critical", error instanceof NotMigratedError ? error.message : "cannot reach PostgreSQL", {
    ...errorFields(error),
  });
  await close();
  Deno.exit(1);
}

// Publishes committed orders to Kafka; only one API process at a time holds the relay lock.
const relay = createProcessRelay(deps, config);

// Prometheus metrics on their own port (METRICS_PORT), never on the public one.
const metrics = config.metrics.enabled
  ? {
    server: startMetricsServer({ hostname: config.host, port: config.metrics.port, log }),
    gauges: registerDbGauges({
      databaseUrl: config.db.url,
      applicationName: APPLICATION_NAME,
      poolMax: config.db.poolMax,
      log,
    }),
  }
  : null;

const app = createApp(deps);
const server = Deno.serve({
  hostname: config.host,
  port: config.port,
  onListen: ({ hostname, port }) =>
    log("info", "listening", {
      hostname,
      port,
      env: config.env,
      tracing: config.tracing.enabled ? config.tracing.endpoint ?? "OTLP default" : "off",
    }),
}, (request, info) => app.fetch(request, { remoteAddr: info.remoteAddr }));

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  log("info", "shutting down", { signal });
  const deadline = setTimeout(() => {
    log("error", "shutdown timed out; exiting");
    Deno.exit(1);
  }, config.shutdownTimeoutMs);
  // Stop accepting, let in-flight requests finish, stop the relay, then close pools.
  await server.shutdown();
  await stopHousekeeping();
  await relay.stop();
  await metrics?.server.shutdown();
  await metrics?.gauges.close();
  await close();
  clearTimeout(deadline);
  log("info", "stopped");
  Deno.exit(0);
}
await relay.start();
const stopHousekeeping = startHousekeeping(deps.sql, log);
Deno.addSignalListener("SIGTERM", () => shutdown("SIGTERM"));
Deno.addSignalListener("SIGINT", () => shutdown("SIGINT"));
