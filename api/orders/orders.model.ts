// The order as the API returns it, the status machine, and the row-to-JSON mapping.
import { z } from "@hono/zod-openapi";
import { ORDER_STATUSES, type OrderStatus } from "../../common/events/order-created.ts";

export const OrderSchema = z.object({
  id: z.string().openapi({ example: "019ab5d2-7c1e-7a3b-9f2e-2b6f0c1d4e5f" }),
  creator_id: z.string(),
  items: z.record(z.string(), z.unknown()).openapi({ example: { sku_123: 2 } }),
  order_price: z.number().openapi({ example: 49.9 }),
  status: z.enum(ORDER_STATUSES),
  created_at: z.string().openapi({ example: "2026-11-24T07:00:00.000Z" }),
  updated_at: z.string().openapi({ example: "2026-11-24T07:00:00.000Z" }),
}).openapi("Order");
export type Order = z.infer<typeof OrderSchema>;

export interface OrderRow {
  id: string;
  creator_id: string;
  items: Record<string, unknown>;
  order_price: string;
  status: OrderStatus;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export function toOrder(row: OrderRow): Order {
  return {
    id: row.id,
    creator_id: row.creator_id,
    items: row.items,
    // NUMERIC(14,2) arrives as an exact decimal string; 2 decimals fit a double exactly enough
    // to print back the same digits.
    order_price: Number(row.order_price),
    status: row.status,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

const TRANSITIONS: Record<OrderStatus, readonly OrderStatus[]> = {
  PENDING: ["PAID", "CANCELED"],
  PAID: ["SHIPPED", "CANCELED"],
  SHIPPED: [],
  CANCELED: [],
};

export const allowedMoves = (from: OrderStatus) => TRANSITIONS[from];
export const canMove = (from: OrderStatus, to: OrderStatus) => TRANSITIONS[from].includes(to);
