// Per-request bookkeeping for the request deadline (request-deadline/middleware.ts): which
// PostgreSQL queries a request started, so that a request answered 503 for taking too long
// does not leave its work behind. Queries still waiting for a pool connection are dropped
// (otherwise an outage leaves a backlog that runs, pointlessly, once PostgreSQL is back),
// running ones get a cancel request, and a transaction that starts or issues a statement
// after the deadline rolls back instead.
import { AsyncLocalStorage } from "node:async_hooks";
import type { Sql } from "postgres";

/** postgres.js Query internals this module relies on (postgres 3.4.9, src/query.js). */
interface QueryState {
  executed: boolean;
  active: boolean;
  state: unknown;
  canceller: ((query: QueryState) => Promise<unknown>) | null;
}

export interface RequestScope {
  /** Set once the request was answered 503 for its deadline: later queries are refused. */
  abandoned: boolean;
  /** Created by the first query (most requests of a cached read make none). */
  queries?: Set<QueryState>;
  /** When the request is answered 503 if it has not finished (epoch ms). */
  deadline: number;
}

export class RequestAbandonedError extends Error {
  override name = "RequestAbandonedError";
  readonly code = "REQUEST_ABANDONED";
  constructor() {
    super("the request was answered after its deadline; its database work is abandoned");
  }
}

const storage = new AsyncLocalStorage<RequestScope>();

export function runInScope<T>(scope: RequestScope, fn: () => T): T {
  return storage.run(scope, fn);
}

/** Runs `fn` (and what it awaits) outside any request: its queries are no request's to
 * abandon (work shared by many requests, api/orders/orders.batch.ts). */
export function outsideRequest<T>(fn: () => T): T {
  return storage.exit(fn);
}

/**
 * The current request's deadline, for a statement that must not take effect once the request
 * was answered: postgres.js pipelines a query onto a busy connection, where it is already sent
 * and a cancel may come too late, so such a statement checks the deadline itself.
 */
export function requestDeadline(): Date | null {
  const scope = storage.getStore();
  return scope ? new Date(scope.deadline) : null;
}

/** Cancels what the request left running or queued; the abandoned awaits see an error. */
export function abandonQueries(scope: RequestScope): void {
  scope.abandoned = true;
  for (const query of scope.queries ?? []) {
    // A query sent behind another statement checks the deadline itself when it runs.
    if (!cancellable(query)) continue;
    cancelQuery(query);
  }
  scope.queries?.clear();
}

/**
 * Whether a cancel can be sent to the query now: queued for a connection (it is dropped) or
 * running (PostgreSQL cancels it). Not a never-run one (a fragment), nor one sent behind another
 * statement on a busy connection: cancelled there, postgres.js 3.4.9 drops it from the
 * connection's list and gives its replies to the statement after it (src/connection.js, at
 * ReadyForQuery), so its own promise never settles and the other gets the wrong rows.
 */
export function cancellable(query: PromiseLike<unknown> | QueryState): boolean {
  const state = query as unknown as QueryState;
  return state.executed && (state.state === null || state.active);
}

/** Asks PostgreSQL to cancel the query (or drops it from the pool's queue); its await sees
 * 57014. Query.cancel() drops the cancel's own promise; a cancel that fails (server hung) must
 * not surface as an unhandled rejection, so the canceller is called here directly. */
export function cancelQuery(query: PromiseLike<unknown> | QueryState): void {
  const state = query as unknown as QueryState;
  const cancel = state.canceller;
  state.canceller = null;
  cancel?.(state)?.catch(() => {});
}

function isQuery(value: unknown): value is QueryState {
  return value instanceof Promise && "canceller" in value && "executed" in value;
}

/** Wraps a pool (or a transaction) so queries made inside a request scope are tracked. */
export function trackQueries<T extends Sql>(sql: T): T {
  return new Proxy(sql, {
    apply(target, thisArg, args) {
      const scope = storage.getStore();
      if (scope?.abandoned) throw new RequestAbandonedError();
      const result = Reflect.apply(target, thisArg, args);
      if (scope && isQuery(result)) (scope.queries ??= new Set()).add(result);
      return result;
    },
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property !== "begin" || typeof value !== "function") return value;
      return (...args: unknown[]) => {
        const scope = storage.getStore();
        const fn = args.at(-1) as (tx: Sql) => unknown;
        args[args.length - 1] = (tx: Sql) => {
          if (scope?.abandoned) throw new RequestAbandonedError();
          return fn(trackQueries(tx));
        };
        return value.apply(target, args);
      };
    },
  });
}
