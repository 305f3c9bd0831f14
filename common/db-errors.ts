// Which database errors are the database's fault (wait and retry: the same statement will
// succeed once it is back) rather than the statement's or the data's (retrying cannot help).
// Shared by the API and the worker: the worker retries transient errors for as long as they
// last and dead-letters a record only for deterministic ones.

/** SQLSTATEs that say nothing about the statement: the server is away, busy or contended. */
const TRANSIENT_SQLSTATES = new Set([
  "40001", // serialization_failure
  "40P01", // deadlock_detected
  "55P03", // lock_not_available (lock_timeout)
  "57014", // query_canceled (statement_timeout)
  "57P01", // admin_shutdown (pg_terminate_backend, fast shutdown)
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now (starting up, shutting down, recovering)
  "57P05", // idle_session_timeout
  "25P03", // idle_in_transaction_session_timeout
  "25P04", // transaction_timeout
  "58000", // system_error
  "58030", // io_error
]);

/** Whole SQLSTATE classes that are transient: 08 connection exception, 53 insufficient
 * resources (too many connections 53300, out of memory, disk full). */
const TRANSIENT_CLASSES = new Set(["08", "53"]);

/** Client-side codes: postgres.js's own, and the socket and DNS errors of Node, Deno and Bun. */
const TRANSIENT_CLIENT_CODES = new Set([
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "EHOSTDOWN",
  "ENETUNREACH",
  "ENETDOWN",
  "EAI_AGAIN",
  "ENOTFOUND",
  "EADDRNOTAVAIL",
  "ConnectionRefused",
  "ConnectionReset",
  // The API's own: a request passed its deadline and its queued queries were dropped.
  "REQUEST_ABANDONED",
]);

/** Error names that mean the connection, not the statement, failed (Deno and Bun spell
 * socket errors as names rather than codes). */
const TRANSIENT_NAMES = new Set([
  "ConnectionRefused",
  "ConnectionReset",
  "ConnectionAborted",
  "BrokenPipe",
  "TimedOut",
  "NotConnected",
  "TimeoutError",
]);

function codeOf(error: object): string | undefined {
  const { code, errno } = error as { code?: unknown; errno?: unknown };
  if (typeof code === "string") return code;
  return typeof errno === "string" ? errno : undefined; // Bun puts some socket codes in errno
}

/** SQLSTATEs of the classes above start with a digit (client codes like EPIPE do not). */
const isNumericSqlState = (code: string) => /^\d[0-9A-Z]{4}$/.test(code);

/**
 * True when retrying the same statement later can succeed: connection loss, admin shutdown,
 * cannot connect now, too many connections, serialization failures, deadlocks, lock and
 * statement timeouts, DNS and socket errors. Looks through `cause` chains and AggregateErrors
 * (a connect to several addresses fails with one per address).
 */
export function isTransientDbError(error: unknown, depth = 0): boolean {
  if (depth > 5 || error === null || typeof error !== "object") return false;
  const code = codeOf(error);
  if (code !== undefined) {
    if (isNumericSqlState(code)) {
      return TRANSIENT_SQLSTATES.has(code) || TRANSIENT_CLASSES.has(code.slice(0, 2));
    }
    if (TRANSIENT_CLIENT_CODES.has(code)) return true;
  }
  const name = (error as { name?: unknown }).name;
  if (typeof name === "string" && TRANSIENT_NAMES.has(name)) return true;
  if (
    error instanceof AggregateError && error.errors.some((e) => isTransientDbError(e, depth + 1))
  ) {
    return true;
  }
  return isTransientDbError((error as { cause?: unknown }).cause, depth + 1);
}
