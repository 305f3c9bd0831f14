// POST /orders without an Idempotency-Key: orders created at the same time share one INSERT
// statement. While `maxInFlight` such statements run, new orders wait and go together in the
// next one (up to `maxBatch`), so under load PostgreSQL commits, and runs its per-statement
// triggers (the counts, the outbox NOTIFY), once per batch instead of once per order; an order
// that finds a statement slot free is sent at once. Each order keeps its request's deadline,
// checked when its batch is sent and by PostgreSQL as each row is inserted, and a statement
// still running at its orders' earliest deadline (waiting on a lock in its count trigger) is
// cancelled then, so it cannot commit an order whose request was answered 503. The statement
// runs outside any request's scope, so one request cut off cannot cancel the others' orders.
// A batch that wrote nothing (PostgreSQL refused it as a whole, or it was cancelled at a
// deadline) is retried order by order, so a bad or late one fails only its own request.
// Measured in docs/performance.md.
import type { Sql } from "../platform/db.ts";
import { ORDER_CREATED } from "../../common/events/order-created.ts";
import { enqueue } from "../../common/events/enqueue.ts";
import { type OrderRow, toOrder } from "../../common/orders/order.ts";
import {
  cancellable,
  cancelQuery,
  outsideRequest,
  RequestAbandonedError,
  requestDeadline,
} from "../request-deadline/scope.ts";
import { uuidv7 } from "../lib/uuid.ts";
import type { VersionedOrder } from "./orders.cache.ts";
import { type BatchedOrder, orderBatchInsertStatement } from "./orders.insert.ts";
import type { NewOrder } from "./orders.repo.ts";

export interface OrderInserts {
  /** Creates the order and its order.created event, together or not at all. */
  insert(input: NewOrder): Promise<VersionedOrder>;
}

interface Waiting {
  order: BatchedOrder;
  /** The request's deadline (ms since the epoch), or null. */
  deadline: number | null;
  resolve: (entry: VersionedOrder) => void;
  reject: (error: unknown) => void;
}

/** PostgreSQL refused the statement as a whole, so nothing was written: an integrity constraint
 * (23), a data exception (22), a deadlock or serialization failure (40; batches lock several
 * users' count rows), or a cancel (57014: a statement timeout, or a cancel meant for the statement
 * before it on the connection that arrived late; the statement runs alone, so it rolls back).
 * Anything else (a lost connection) may have committed: not retried. */
const refusedWhole = (error: unknown) =>
  /^(2[23]|40|57014$)/.test(String((error as { code?: unknown }).code));

/** How often a batch past its deadline that is still sent behind another statement on its
 * connection is looked at again, to cancel it once it runs (scope.ts, cancellable). */
const PIPELINED_RECHECK_MS = 5;

/** Drops an order whose request was answered 503 while it waited (PostgreSQL slow or down). */
function notPastDeadline(waiting: Waiting): boolean {
  if (waiting.deadline === null || waiting.deadline > Date.now()) return true;
  waiting.reject(new RequestAbandonedError());
  return false;
}

/**
 * The statement's rows, unless it still runs at the earliest of its orders' deadlines: then it
 * is cancelled (rolled back, nothing written) and this throws RequestAbandonedError. Otherwise
 * a batch waiting on a lock could commit, up to DB_STATEMENT_TIMEOUT_MS later, an order whose
 * request was answered 503, and a client retrying without a key would get a duplicate.
 */
async function untilEarliestDeadline<T>(batch: Waiting[], query: Promise<T>): Promise<T> {
  let earliest = Infinity;
  for (const { deadline } of batch) {
    if (deadline !== null && deadline < earliest) earliest = deadline;
  }
  if (earliest === Infinity) return await query;
  let cancelled = false;
  const cancelOnceRunning = () => {
    if (!cancellable(query)) {
      timer = setTimeout(cancelOnceRunning, PIPELINED_RECHECK_MS);
      return;
    }
    cancelled = true;
    cancelQuery(query);
  };
  let timer = setTimeout(cancelOnceRunning, earliest - Date.now());
  try {
    return await query;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw cancelled && code === "57014" ? new RequestAbandonedError() : error;
  } finally {
    clearTimeout(timer);
  }
}

export function createOrderInserts(
  sql: Sql,
  { maxInFlight = 2, maxBatch = 100 }: { maxInFlight?: number; maxBatch?: number } = {},
): OrderInserts {
  const queue: Waiting[] = [];
  let inFlight = 0;

  async function write(batch: Waiting[]) {
    const event = enqueue(sql, ORDER_CREATED, {
      key: sql`v.id::text`,
      value: sql`v.value::text`,
      eventId: sql`v.event_id`,
      traceparent: sql`v.traceparent`,
      from: sql`from v`,
    });
    const statement = orderBatchInsertStatement(
      sql,
      batch.map((w) => w.order),
      sql`, event as (${event})`,
    );
    const rows = await untilEarliestDeadline(batch, sql<OrderRow[]>`${statement}`);
    const written = new Map(rows.map((row) => [row.id, row]));
    for (const waiting of batch) {
      const row = written.get(waiting.order.id);
      // Not written: its request's deadline had passed (the request was answered 503).
      if (!row) waiting.reject(new RequestAbandonedError());
      else waiting.resolve({ order: toOrder(row), version: row.version });
    }
  }

  async function run(batch: Waiting[]) {
    try {
      await write(batch);
    } catch (error) {
      const nothingWritten = refusedWhole(error) || error instanceof RequestAbandonedError;
      if (batch.length === 1 || !nothingWritten) {
        for (const waiting of batch) waiting.reject(error);
        return;
      }
      // Each deadline is checked as its turn comes: the ones before it took time.
      for (const waiting of batch) {
        if (notPastDeadline(waiting)) await write([waiting]).catch(waiting.reject);
      }
    }
  }

  function flush() {
    while (inFlight < maxInFlight && queue.length > 0) {
      const batch = queue.splice(0, maxBatch).filter(notPastDeadline);
      if (batch.length === 0) continue;
      inFlight++;
      outsideRequest(() => run(batch)).finally(() => {
        inFlight--;
        flush();
      });
    }
  }

  return {
    insert(input) {
      const deadline = requestDeadline();
      const order: BatchedOrder = {
        id: uuidv7(),
        creator_id: input.creatorId,
        items: input.items,
        order_price: input.orderPrice,
        deadline: deadline?.toISOString() ?? null,
        event_id: crypto.randomUUID(),
        traceparent: input.traceparent ?? null,
      };
      return new Promise((resolve, reject) => {
        // While PostgreSQL hangs the queue only grows: every batch's worth, the orders whose
        // requests were answered 503 meanwhile go.
        if (queue.length > 0 && queue.length % maxBatch === 0) {
          for (const waiting of queue.splice(0)) if (notPastDeadline(waiting)) queue.push(waiting);
        }
        queue.push({ order, deadline: deadline?.getTime() ?? null, resolve, reject });
        // The orders of this turn of the event loop go together.
        if (queue.length === 1) queueMicrotask(flush);
      });
    },
  };
}
