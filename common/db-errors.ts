// Which database errors are the database's fault (wait and retry: the same statement will
// succeed once it is back), which are the environment's (wrong role, revoked grant, migration
// under way: they last until an operator or a migration fixes them), and which are the
// statement's or the data's (retrying cannot help). Shared by the API and the worker: the
// worker waits out the first two for as long as they last and dead-letters a record only for
// the third; the API answers 503 for the first two (docs/operations.md).

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

/** One environment error: the SQLSTATE (or class prefix) it matches, a short reason for
 * metrics and logs, and why the environment rather than the statement is at fault. */
export interface EnvironmentDbError {
  match: string;
  reason: string;
  why: string;
}

/**
 * Errors of the environment, not of the statement: the worker's and the API's statements take
 * only validated values, so these say the deployment is wrong. They last until someone fixes it,
 * so the worker pauses (and dead-letters nothing) and the API answers 503.
 */
export const ENVIRONMENT_DB_ERRORS: readonly EnvironmentDbError[] = [
  {
    match: "28", // class 28: invalid_authorization_specification, invalid_password
    reason: "authentication",
    why: "the role does not exist or its password is wrong (the wrong DATABASE_URL, a rotated " +
      "password, a role not created yet)",
  },
  {
    match: "3D", // class 3D: invalid_catalog_name
    reason: "missing-database",
    why: "the database named in DATABASE_URL does not exist (a typo, not created yet)",
  },
  {
    match: "42501", // insufficient_privilege
    reason: "permission",
    why: "the role lacks a grant on a table it uses (a revoked or forgotten grant)",
  },
  {
    match: "42P01", // undefined_table
    reason: "missing-table",
    why: "a table the code uses is missing (migrations not applied, or one running)",
  },
  {
    match: "42703", // undefined_column
    reason: "missing-column",
    why: "a column the code uses is missing (the schema is older than the code: a migration)",
  },
];

function codeOf(error: object): string | undefined {
  const { code, errno } = error as { code?: unknown; errno?: unknown };
  if (typeof code === "string") return code;
  return typeof errno === "string" ? errno : undefined; // Bun puts some socket codes in errno
}

/** SQLSTATEs of the classes above start with a digit (client codes like EPIPE do not). */
const isNumericSqlState = (code: string) => /^\d[0-9A-Z]{4}$/.test(code);

/**
 * True when retrying the same statement later can succeed by itself: connection loss, admin shutdown,
 * cannot connect now, too many connections, serialization failures, deadlocks, lock and
 * statement timeouts, DNS and socket errors. Looks through `cause` chains and AggregateErrors
 * (a connect to several addresses fails with one per address).
 */
export function isTransientDbError(error: unknown): boolean {
  return findInChain(error, (e) => {
    const code = codeOf(e);
    if (code !== undefined) {
      if (isNumericSqlState(code)) {
        return TRANSIENT_SQLSTATES.has(code) || TRANSIENT_CLASSES.has(code.slice(0, 2));
      }
      if (TRANSIENT_CLIENT_CODES.has(code)) return true;
    }
    const name = (e as { name?: unknown }).name;
    return typeof name === "string" && TRANSIENT_NAMES.has(name);
  }) !== undefined;
}

/** The environment error (ENVIRONMENT_DB_ERRORS) this error is, with its SQLSTATE, if any. */
export function environmentDbError(
  error: unknown,
): (EnvironmentDbError & { code: string }) | undefined {
  let found: (EnvironmentDbError & { code: string }) | undefined;
  findInChain(error, (e) => {
    const code = codeOf(e);
    if (code === undefined || !isNumericSqlState(code)) return false;
    const entry = ENVIRONMENT_DB_ERRORS.find((x) => code.startsWith(x.match));
    if (entry) found = { ...entry, code };
    return entry !== undefined;
  });
  return found;
}

/**
 * outage: the server is away or busy (wait); environment: the deployment is wrong (wait for a
 * fix, and say so loudly); statement: this statement or its data is at fault (give up).
 */
export type DbErrorKind = "outage" | "environment" | "statement";

export function classifyDbError(error: unknown): DbErrorKind {
  if (isTransientDbError(error)) return "outage";
  return environmentDbError(error) ? "environment" : "statement";
}

/** The first error in `cause` chains and AggregateErrors that passes `test`. */
function findInChain(
  error: unknown,
  test: (error: object) => boolean,
  depth = 0,
): object | undefined {
  if (depth > 5 || error === null || typeof error !== "object") return undefined;
  if (test(error)) return error;
  if (error instanceof AggregateError) {
    for (const inner of error.errors) {
      const found = findInChain(inner, test, depth + 1);
      if (found) return found;
    }
  }
  return findInChain((error as { cause?: unknown }).cause, test, depth + 1);
}
