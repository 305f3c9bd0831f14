// The status machine's one-line description (the PATCH route's, in the OpenAPI document) says
// exactly what allowedMoves() allows: read back, it gives every status's moves and no more.
import { deepStrictEqual } from "node:assert/strict";
import {
  allowedMoves,
  describeMoves,
  ORDER_STATUSES,
  type OrderStatus,
} from "../../common/orders/status.ts";

Deno.test("describeMoves() names each status's allowed moves and the final statuses", () => {
  const text = describeMoves();
  const [moves, finals = ""] = text.replace(/\.$/, "").split("; ");
  const described = new Map<string, string[]>();
  for (const move of moves.split(", ")) {
    const [from, to] = move.split("→");
    described.set(from, to.split("|"));
  }
  for (const status of finals.replace(/ (is|are) final$/, "").split(/, | and /)) {
    if (status) described.set(status, []);
  }
  deepStrictEqual(
    Object.fromEntries(described),
    Object.fromEntries(ORDER_STATUSES.map((s: OrderStatus) => [s, [...allowedMoves(s)]])),
  );
});
