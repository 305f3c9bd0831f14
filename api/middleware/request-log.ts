// The access log: one JSON line per request with id, method, matched route, status, duration.
// Server errors (5xx) are always logged; other requests are logged with probability
// `sampleRate` (ACCESS_LOG_SAMPLE_RATE; 1 logs every request, 0 none), because formatting and
// writing a line per request costs a cached GET a measurable share of its time
// (bench/PROFILE.md).
import type { Log } from "../../common/logger.ts";

/**
 * Writes one access line when the status or the sample says so; `fields` is built only then,
 * in the line's field order. Used by every finished response (hot-path/finish.ts).
 */
export function accessLogger(log: Log, { sampleRate = 1 }: { sampleRate?: number } = {}) {
  if (typeof log !== "function") throw new Error("accessLogger: log is required");
  if (!(sampleRate >= 0 && sampleRate <= 1)) {
    throw new Error("accessLogger: sampleRate must be between 0 and 1");
  }
  return (status: number, fields: () => AccessFields) => {
    if (status < 500 && (sampleRate === 0 || (sampleRate < 1 && Math.random() >= sampleRate))) {
      return;
    }
    log(status >= 500 ? "error" : "info", "request", fields());
  };
}

export type AccessFields = {
  request_id: string;
  method: string;
  route: string;
  path: string;
  status: number;
  duration_ms: number;
  user_id?: string;
};

/** Milliseconds since `started`, to the hundredth. */
export const elapsedMs = (started: number) => Math.round((performance.now() - started) * 100) / 100;
