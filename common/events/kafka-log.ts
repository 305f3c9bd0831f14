// Routes kafkajs's own log lines into the service's structured logger, shared by the API's
// relay (Deno) and the worker (Bun) so both log Kafka problems the same way.
import { type logCreator, logLevel } from "kafkajs";

export type LogLevel = "debug" | "info" | "warning" | "error";
export type LogFn = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => void;

// Expected noise, demoted to debug: we limit the idempotent producer's retries on purpose (a
// failed send is retried from the outbox with a fresh producer), we pick the partitioner, and
// while the broker is down every connection attempt fails — the relay and the worker report
// that state change once themselves instead.
const DEMOTED = [
  /Limiting retries for the idempotent producer/,
  /switched default partitioner/,
  /^Connection error/,
  /^Failed to connect to seed broker/,
];

export function kafkaLogCreator(log: LogFn): logCreator {
  return () => ({ namespace, level, log: entry }) => {
    const { message, timestamp: _timestamp, logger: _logger, stack, ...fields } = entry;
    // kafkajs logs every failed connection attempt as ERROR; while Kafka is down that is the
    // expected state and our own code reports it once, so it is only a warning here.
    let mapped: LogLevel = level === logLevel.ERROR || level === logLevel.WARN
      ? "warning"
      : level === logLevel.INFO
      ? "info"
      : "debug";
    if (DEMOTED.some((pattern) => pattern.test(String(message)))) mapped = "debug";
    // Stacks only at debug: they are long, and kafkajs's message already names the cause.
    log(mapped, `kafkajs: ${message}`, {
      namespace,
      ...fields,
      ...(mapped === "debug" ? { stack } : {}),
    });
  };
}
