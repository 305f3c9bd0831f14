// Structured JSON logs, one object per line on stdout. Never pass secrets in fields.
// A line written while a span is active carries its `trace_id` and `span_id`.
import { traceFields } from "./tracing.ts";
import process from "node:process";

export type LogLevel = "debug" | "info" | "warning" | "error" | "critical";
export type Log = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => void;

const ORDER: Record<LogLevel, number> = {
  debug: 10,
  info: 20,
  warning: 30,
  error: 40,
  critical: 50,
};

/** True when a logger created with `minLevel` writes lines of `level`. */
export const logs = (minLevel: LogLevel, level: LogLevel) => ORDER[level] >= ORDER[minLevel];

// Deno: straight to the file descriptor, a third of console.log's cost per line (it formats
// its arguments first). Bun: console.log. A log write that fails (stdout closed) is dropped
// rather than thrown into whatever was logging.
const encoder = new TextEncoder();
const denoStdout = (globalThis as { Deno?: typeof Deno }).Deno?.stdout;
function writeLine(text: string): void {
  try {
    if (!denoStdout) return console.log(text);
    const bytes = encoder.encode(text + "\n");
    for (let done = 0; done < bytes.length;) {
      const written = denoStdout.writeSync(bytes.subarray(done));
      if (written <= 0) break; // nothing moves: drop the rest rather than spin
      done += written;
    }
  } catch { /* stdout is gone: nothing left to tell */ }
}

/**
 * Lines are written in batches, at most one write per FLUSH_MS instead of one per line: under
 * load a write per request, or even per event-loop turn, costs the API a measurable share of
 * its time (with one per turn the writes were 12 % of a cached GET's, 4 % with 5 ms; PROFILE.md).
 * Errors and worse are written at once, with whatever is buffered before them, so a crash
 * right after one loses nothing; the rest is written on exit.
 */
const FLUSH_MS = 5;
const stdout = (() => {
  let lines: string[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (lines.length === 0) return;
    const text = lines.join("\n");
    lines = [];
    writeLine(text);
  };
  globalThis.addEventListener?.("unload", flush);
  process.on("exit", flush);
  return (line: string, urgent: boolean) => {
    lines.push(line);
    if (urgent) flush();
    else if (!scheduled) {
      scheduled = true;
      setTimeout(flush, FLUSH_MS);
    }
  };
})();

/** `base` fields go on every line (the worker adds `service`). */
export function createLogger(minLevel: LogLevel, base: Record<string, unknown> = {}): Log {
  const min = ORDER[minLevel];
  return (level, msg, fields = {}) => {
    if (ORDER[level] < min) return;
    stdout(
      JSON.stringify({
        time: new Date().toISOString(),
        level,
        ...base,
        msg,
        ...traceFields(),
        ...fields,
      }),
      ORDER[level] >= ORDER.error,
    );
  };
}

export function errorFields(error: unknown): Record<string, unknown> {
  if (error instanceof Error) {
    return { error: error.message, error_name: error.name, stack: error.stack };
  }
  return { error: String(error) };
}
