// Structured logs: one JSON object per line on stdout, filtered by level.
import process from "node:process";
import type { LogFn, LogLevel } from "../api/events/kafka-log.ts";

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warning: 30, error: 40 };

export function createLogger(minLevel: LogLevel): LogFn {
  return (level, msg, fields) => {
    if (RANK[level] < RANK[minLevel]) return;
    const line = JSON.stringify({
      time: new Date().toISOString(),
      level,
      service: "order-worker",
      msg,
      ...fields,
    });
    process.stdout.write(line + "\n");
  };
}
