// POST /orders with optional Idempotency-Key. A transaction-scoped advisory lock on
// (user, key) admits one request at a time: a concurrent duplicate gets 409 at once, and a
// later retry finds the committed first response. No check-then-insert race is possible.
import type { Sql } from "../platform/db.ts";
import { currentTraceparent, withSpan } from "../../common/tracing.ts";
import { ProblemError } from "../lib/problem.ts";
import { MAX_JSON_DEPTH } from "../safe-input/rules.ts";
import { apiMetrics } from "../metrics/metrics.ts";
import type { VersionedOrder } from "./orders.cache.ts";
import type { Order } from "./orders.model.ts";
import { insertOrderWithEvent, type NewOrder } from "./orders.repo.ts";
import type { OrderInserts } from "./orders.batch.ts";

export type CreateOrderResult =
  | { replayed: false; entry: VersionedOrder }
  | { replayed: true; order: Order };

/**
 * Canonical JSON (sorted keys) so the same body in another key order counts as the same.
 * Recursive, so the depth is capped: the safe-input middleware already refuses deeper
 * bodies, and this guard keeps any other caller from overflowing the stack (RangeError).
 */
function canonical(value: unknown, depth = 0): string {
  if (depth > MAX_JSON_DEPTH) {
    throw new ProblemError(422, "The request is invalid.", {
      errors: [{ path: "body", message: `nested deeper than ${MAX_JSON_DEPTH} levels` }],
    });
  }
  if (Array.isArray(value)) return `[${value.map((v) => canonical(v, depth + 1)).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${
      entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v, depth + 1)}`).join(",")
    }}`;
  }
  return JSON.stringify(value);
}

async function hashRequest(input: NewOrder): Promise<string> {
  const text = canonical({ items: input.items, order_price: input.orderPrice });
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

const DB_SPAN = {
  attributes: { "db.system.name": "postgresql", "db.operation.name": "transaction" },
  onlyUnderSpan: true,
};

export async function createOrder(
  { sql, inserts }: { sql: Sql; inserts: OrderInserts },
  input: NewOrder,
  idempotencyKey?: string,
): Promise<CreateOrderResult> {
  // Taken before the transaction's span starts, so it names the request's server span.
  const traced = { ...input, traceparent: currentTraceparent() };
  const result = await withSpan(
    "pg create_order",
    DB_SPAN,
    () => createInDatabase({ sql, inserts }, traced, idempotencyKey),
  );
  if (!result.replayed) apiMetrics.ordersCreated.inc();
  return result;
}

async function createInDatabase(
  { sql, inserts }: { sql: Sql; inserts: OrderInserts },
  input: NewOrder,
  idempotencyKey?: string,
): Promise<CreateOrderResult> {
  // Without a key: one statement with the orders of other requests (orders.batch.ts).
  if (idempotencyKey === undefined) {
    return { replayed: false, entry: await inserts.insert(input) };
  }
  const requestHash = await hashRequest(input);
  // BEGIN, the lock and the look-up pipelined, one insert statement, COMMIT: four round trips.
  // The look-up is its own statement, so its snapshot is taken after the lock is granted and
  // sees a first request that committed while we waited.
  return await sql.begin(async (tx): Promise<CreateOrderResult> => {
    const [[{ locked }], [previous]] = await Promise.all([
      tx<{ locked: boolean }[]>`
        select pg_try_advisory_xact_lock(hashtext(${input.creatorId}), hashtext(${idempotencyKey}))
          as locked`,
      tx<{ request_hash: string; response_body: Order; fresh: boolean }[]>`
        select request_hash, response_body, created_at > now() - interval '24 hours' as fresh
        from idempotency_keys where user_id = ${input.creatorId} and key = ${idempotencyKey}`,
    ]);
    if (!locked) {
      throw new ProblemError(409, "A request with this Idempotency-Key is still in progress.", {}, {
        "Retry-After": "1",
      });
    }
    if (previous?.fresh) {
      if (previous.request_hash !== requestHash) {
        throw new ProblemError(
          422,
          "This Idempotency-Key was already used with a different request body.",
          { errors: [{ path: "Idempotency-Key", message: "reused with a different body" }] },
        );
      }
      return { replayed: true, order: previous.response_body };
    }
    const entry = await insertOrderWithEvent(tx, input, { key: idempotencyKey, requestHash });
    return { replayed: false, entry };
  });
}
