// An order's statuses and the moves between them, defined once: the API enforces them
// (PATCH /orders/{id}), its OpenAPI document describes them (describeMoves), the events carry
// them (common/events/), and the README and docs/contract.md link here.
import { z } from "zod";

export const ORDER_STATUSES = ["PENDING", "PAID", "SHIPPED", "CANCELED"] as const;
export const OrderStatus = z.enum(ORDER_STATUSES);
export type OrderStatus = z.infer<typeof OrderStatus>;

/** Where each status may move; a status with no moves is final. */
const MOVES: Record<OrderStatus, readonly OrderStatus[]> = {
  PENDING: ["PAID", "CANCELED"],
  PAID: ["SHIPPED", "CANCELED"],
  SHIPPED: [],
  CANCELED: [],
};

export const allowedMoves = (from: OrderStatus): readonly OrderStatus[] => MOVES[from];
export const canMove = (from: OrderStatus, to: OrderStatus) => MOVES[from].includes(to);

/** The machine in one line, e.g. "PENDING→PAID|CANCELED, PAID→SHIPPED|CANCELED; SHIPPED and
 * CANCELED are final." */
export function describeMoves(): string {
  const moving = ORDER_STATUSES.filter((from) => MOVES[from].length > 0);
  const final = ORDER_STATUSES.filter((from) => MOVES[from].length === 0);
  const moves = moving.map((from) => `${from}→${MOVES[from].join("|")}`).join(", ");
  if (final.length === 0) return `${moves}.`;
  const finals = final.length === 1
    ? `${final[0]} is final`
    : `${final.slice(0, -1).join(", ")} and ${final.at(-1)} are final`;
  return `${moves}; ${finals}.`;
}
