// The order as the API documents it: common/orders/order.ts's schema with examples for the
// OpenAPI document. The shape itself, toOrder() and the status machine live in common/orders/.
import { Order } from "../../common/orders/order.ts";

export { type Order, type OrderRow, toOrder } from "../../common/orders/order.ts";
// tests/events/lifecycle_test.ts imports the status machine from here.
export { allowedMoves, canMove } from "../../common/orders/status.ts";

const example = { example: "2026-11-24T07:00:00.000Z" };
export const OrderSchema = Order.extend({
  id: Order.shape.id.meta({ example: "019ab5d2-7c1e-7a3b-9f2e-2b6f0c1d4e5f" }),
  items: Order.shape.items.meta({ example: { sku_123: 2 } }),
  order_price: Order.shape.order_price.meta({ example: 49.9 }),
  created_at: Order.shape.created_at.meta(example),
  updated_at: Order.shape.updated_at.meta(example),
}).meta({ id: "Order" });
