// The durable record of an order whose cache entry may be older than its committed row
// (table cache_repairs): written in the transaction that changes the order, cleared once Redis
// acknowledged the new entry, and pushed by any process's repair (redis-repair.ts) meanwhile.
import type { Log } from "../../common/logger.ts";
import { errorFields } from "../../common/logger.ts";
import type { Sql, Tx } from "../platform/db.ts";
import type { OrderCache, VersionedOrder } from "./orders.cache.ts";

/** In the changing transaction; returns the record's id, for clearing exactly this record. */
export async function queueCacheRepair(tx: Tx, orderId: string): Promise<string> {
  const repairId = crypto.randomUUID();
  await tx`
    insert into cache_repairs (order_id, repair_id) values (${orderId}, ${repairId})
    on conflict (order_id) do update set repair_id = excluded.repair_id, queued_at = now()`;
  return repairId;
}

/** Clears one record, unless a later change has replaced it meanwhile. */
async function clearCacheRepair(sql: Sql, orderId: string, repairId: string) {
  await sql`delete from cache_repairs where order_id = ${orderId} and repair_id = ${repairId}`;
}

/**
 * After the commit: the new entry is in Redis before the caller answers, unless Redis could not
 * acknowledge it in time; then the record stays for the repair and the caller answers anyway.
 */
export async function publishChange(
  deps: { sql: Sql; cache: OrderCache; log: Log },
  entry: VersionedOrder,
  repairId: string,
): Promise<void> {
  const id = entry.order.id;
  if (!(await deps.cache.publish(entry))) {
    // Debug: in an outage every PATCH gets here; the repair reports when it cannot push.
    deps.log("debug", "order cache update not acknowledged; the repair will push it", {
      order_id: id,
    });
    return;
  }
  await clearCacheRepair(deps.sql, id, repairId).catch((error) =>
    deps.log("debug", "cache repair record not cleared; the repair will", errorFields(error))
  );
}

/** One repair pass: every recorded order's committed row is written to the cache. */
export async function repairCachedOrders(sql: Sql, cache: OrderCache, batch = 500) {
  const pending = await sql<{ order_id: string; repair_id: string }[]>`
    select order_id, repair_id from cache_repairs order by queued_at limit ${batch}`;
  for (const { order_id, repair_id } of pending) {
    await cache.repair(order_id); // throws while Redis does not answer: the next pass retries
    await clearCacheRepair(sql, order_id, repair_id);
  }
  return pending.length;
}
