// The orders resource: create, read (cached), change status, list.
export { ordersRouter } from "./orders.handlers.ts";
export { createOrderCache, type OrderCache, orderCacheKeyFor } from "./orders.cache.ts";
export { findOrder } from "./orders.repo.ts";
export { cachedOrderRead } from "./orders.cached-read.ts";
