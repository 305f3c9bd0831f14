// Handlers for /orders, typed from their route definitions.
import { createRouter } from "../lib/openapi.ts";
import { ProblemError } from "../lib/problem.ts";
import { authenticate } from "../middleware/authenticate.ts";
import { publishChange } from "./cache-repairs.ts";
import { createOrder } from "./orders.create.ts";
import { changeStatus, findOrder, listOrders } from "./orders.repo.ts";
import type { AppDeps } from "../types.ts";
import type { Order } from "./orders.model.ts";
import {
  createOrderRoute,
  getOrderRoute,
  listOrdersRoute,
  patchOrderRoute,
} from "./orders.routes.ts";

const JSON_TYPE = { "Content-Type": "application/json" };

export function ordersRouter({ sql, cache, tokens, revocations, log }: AppDeps) {
  const router = createRouter();
  router.use("/orders/*", authenticate(tokens, revocations));
  router.use("/orders", authenticate(tokens, revocations));

  router.openapi(createOrderRoute, async (c) => {
    const body = c.req.valid("json");
    const key = c.req.valid("header")["idempotency-key"];
    const result = await createOrder(sql, {
      creatorId: c.get("user").id,
      items: body.items,
      orderPrice: body.order_price,
    }, key);
    const order = result.replayed ? result.order : result.entry.order;
    if (result.replayed) c.header("Idempotent-Replayed", "true");
    else await cache.put(result.entry);
    return c.json(order, 201, { Location: `/orders/${order.id}` });
  });

  router.openapi(getOrderRoute, async (c) => {
    const { order_id } = c.req.valid("param");
    const user = c.get("user");
    // Admins may read any order; everyone else only their own, and a foreign order is a
    // plain 404 so ids of other users' orders cannot be probed.
    const visible = (creatorId: string) => user.role === "admin" || creatorId === user.id;
    const cached = await cache.get(order_id, c.get("prefetched")?.cache);
    if (cached) {
      if (!visible(cached.creatorId)) throw new ProblemError(404, "Order not found.");
      // The stored JSON is what c.json(order) would write, without serialising again.
      return c.body(cached.json, 200, JSON_TYPE) as unknown as ReturnType<
        typeof c.json<Order, 200>
      >;
    }
    const entry = await findOrder(sql, order_id);
    if (!entry || !visible(entry.order.creator_id)) throw new ProblemError(404, "Order not found.");
    await cache.put(entry);
    return c.json(entry.order, 200);
  });

  router.openapi(patchOrderRoute, async (c) => {
    const { order_id } = c.req.valid("param");
    const { status } = c.req.valid("json");
    const result = await changeStatus(sql, { id: order_id, ownerId: c.get("user").id, status });
    if (result.kind === "not_found") throw new ProblemError(404, "Order not found.");
    if (result.kind === "conflict") {
      const allowed = result.allowed.length ? result.allowed.join(", ") : "none (final status)";
      throw new ProblemError(
        409,
        `Cannot move an order from ${result.from} to ${status}; allowed: ${allowed}.`,
        { allowed: [...result.allowed] },
      );
    }
    // Only after the commit: the cache never holds a value that was rolled back. The change
    // is in Redis before the 200 unless Redis cannot acknowledge it in time; then its durable
    // record is pushed by the repair (docs/security.md, "Redis writes under partial failure").
    if (result.changed) await publishChange({ sql, cache, log }, result.entry, result.repairId);
    return c.json(result.entry.order, 200);
  });

  router.openapi(listOrdersRoute, async (c) => {
    const { user_id } = c.req.valid("param");
    const { page, page_size } = c.req.valid("query");
    const user = c.get("user");
    if (user.id !== user_id && user.role !== "admin") {
      throw new ProblemError(403, "You may only list your own orders.");
    }
    return c.json(await listOrders(sql, { creatorId: user_id, page, pageSize: page_size }), 200);
  });

  return router;
}
