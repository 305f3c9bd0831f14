// A cache entry's owner is read at its fixed place when the JSON has the shape toOrder() gives
// it, and parsed otherwise: what a client writes into an order never decides who owns it.
import { strictEqual } from "node:assert/strict";
import { OWNER_AT_FIXED_PLACE, parseCachedEntry } from "../../api/orders/orders.cache.ts";
import { ORDER_KEYS } from "../../common/orders/order.ts";

const owner = "01a23b6e-3600-784f-83d1-4717ada9fe90";
const other = "01a23b6e-0000-7000-8000-000000000000";
const id = "01a23b6e-3690-7e3a-a4aa-83f162559f20";

Deno.test("the owner of an entry in toOrder()'s key order is read without parsing", () => {
  const json = JSON.stringify({ id, creator_id: owner, items: { a: 1 }, order_price: 1 });
  const entry = parseCachedEntry(`7|${json}`);
  strictEqual(entry.creatorId, owner);
  strictEqual(entry.json, json);
});

Deno.test("any other shape is parsed, so an item named creator_id is not taken for the owner", () => {
  const itemsFirst = JSON.stringify({
    id,
    items: { creator_id: other },
    creator_id: owner,
    order_price: 1,
  });
  strictEqual(parseCachedEntry(`1|${itemsFirst}`).creatorId, owner);
  const shortId = JSON.stringify({ id: "x", creator_id: owner, items: {} });
  strictEqual(parseCachedEntry(`1|${shortId}`).creatorId, owner);
});

Deno.test("toOrder()'s key order puts the owner at the fixed place: read without parsing", () => {
  strictEqual(OWNER_AT_FIXED_PLACE, true, "toOrder() writes id, then creator_id, first");
  // The keys in the order toOrder() writes them; every other field names another owner.
  const json = JSON.stringify(Object.fromEntries(ORDER_KEYS.map((key) => [
    key,
    key === "id" ? id : key === "creator_id" ? owner : { creator_id: other },
  ])));
  const parse = JSON.parse;
  JSON.parse = () => {
    throw new Error("parsed");
  };
  try {
    const entry = parseCachedEntry(`3|${json}`);
    strictEqual(entry.creatorId, owner);
    strictEqual(entry.version, 3);
  } finally {
    JSON.parse = parse;
  }
});
