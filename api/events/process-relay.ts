// The outbox relay as an API process runs it (main.ts, and the tests that need the same
// wiring): on the relay's own pool, with its Kafka producer reported by readiness.
import type { Config } from "../config.ts";
import type { HealthDeps } from "../health/health.ts";
import { createOutboxRelay, type OutboxRelayOptions } from "./relay.ts";

/** Builds the relay and registers its readiness check; call before createApp(deps). */
export function createProcessRelay(
  deps: Pick<HealthDeps, "sql" | "opsSql" | "log" | "readinessChecks">,
  config: Config,
  overrides: Partial<OutboxRelayOptions> = {},
) {
  const relay = createOutboxRelay({
    sql: deps.opsSql ?? deps.sql, // the ops pool: request load and readiness cannot starve it
    brokers: config.kafka.brokers,
    clientId: config.kafka.clientId,
    sweepIntervalMs: config.outbox.sweepIntervalMs,
    batchSize: config.outbox.batchSize,
    maxAttempts: config.outbox.maxAttempts,
    log: deps.log,
    ...overrides,
  });
  deps.readinessChecks = {
    ...deps.readinessChecks,
    kafka: () => {
      const status = relay.status();
      const role = status.leader
        ? `publishing relay, ${status.pending ?? 0} pending, ${status.parked ?? 0} parked`
        : "standby relay";
      return {
        ok: status.producer === "connected",
        detail: `producer ${status.producer}; ${role}`,
      };
    },
  };
  return relay;
}
