// Structured JSON logs, one object per line on stdout. Never pass secrets in fields.
// A line written while a span is active carries its `trace_id` and `span_id`.
import { traceFields } from "./tracing.ts";

export type LogLevel = "debug" | "info" | "warning" | "error" | "critical";
export type Log = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => void;

const ORDER: Record<LogLevel, number> = {
  debug: 10,
  info: 20,
  warning: 30,
  error: 40,
  critical: 50,
};

/** `base` fields go on every line (the worker adds `service`). */
export function createLogger(minLevel: LogLevel, base: Record<string, unknown> = {}): Log {
  const min = ORDER[minLevel];
  return (level, msg, fields = {}) => {
    if (ORDER[level] < min) return;
    console.log(JSON.stringify({
      time: new Date().toISOString(),
      level,
      ...base,
      msg,
      ...traceFields(),
      ...fields,
    }));
  };
}

export function errorFields(error: unknown): Record<string, unknown> {
  if (error instanceof Error) {
    return { error: error.message, error_name: error.name, stack: error.stack };
  }
  return { error: String(error) };
}
