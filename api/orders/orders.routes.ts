// Route definitions for /orders: request schemas, responses and statuses, in one place.
import { createRoute, z } from "@hono/zod-openapi";
import { describeMoves, OrderStatus } from "../../common/orders/status.ts";
import { BEARER, COMMON_PROBLEMS, jsonObject, problems } from "../lib/openapi.ts";
import { MAX_JSON_DEPTH } from "../safe-input/rules.ts";
import { requireContentType } from "../middleware/content-type.ts";
import { OrderSchema } from "./orders.model.ts";
import { bodiless, ETAG_HEADER, IF_NONE_MATCH, NOT_MODIFIED } from "./orders.etag.ts";

const MAX_PRICE = 999_999_999_999.99; // NUMERIC(14,2)

export const CreateOrderBody = z.object({
  items: jsonObject({ maxKeys: 500, maxKeyLength: 200 })
    .openapi({
      description: `Any JSON object: at most 500 keys of at most 200 characters, no NUL ` +
        `characters in any string or key, and the whole body nested at most ` +
        `${MAX_JSON_DEPTH} levels deep.`,
      example: { sku_123: 2, sku_456: 1 },
    }),
  order_price: z.number().nonnegative().max(MAX_PRICE)
    .refine((price) => Math.round(price * 100) / 100 === price, "at most 2 decimal places")
    .openapi({ multipleOf: 0.01, example: 49.9 }),
}).strict().openapi("CreateOrder");

const OrderIdParam = z.object({
  order_id: z.uuid().openapi({ param: { name: "order_id", in: "path" } }),
});

export const PageSchema = z.object({
  items: z.array(OrderSchema),
  page: z.number().int(),
  page_size: z.number().int(),
  total_items: z.number().int(),
  total_pages: z.number().int(),
}).openapi("OrderPage");

export const CursorPageSchema = z.object({
  items: z.array(OrderSchema),
  page_size: z.number().int(),
  next_cursor: z.string().nullable().openapi({
    description: "Pass as `cursor` for the next page; null on the last page.",
  }),
}).openapi("OrderCursorPage");

const orderJson = (description: string) => ({
  description,
  content: { "application/json": { schema: OrderSchema } },
});

export const createOrderRoute = createRoute({
  method: "post",
  path: "/orders",
  tags: ["orders"],
  summary: "Create an order for the caller",
  security: BEARER,
  middleware: [requireContentType("json")] as const,
  request: {
    headers: z.object({
      // Hono hands headers over lower-cased; HTTP header names are case-insensitive anyway.
      "idempotency-key": z.string().min(1).max(255).optional().openapi({
        description: "Retries with the same key and body within 24 h replay the first response.",
      }),
    }),
    body: { required: true, content: { "application/json": { schema: CreateOrderBody } } },
  },
  responses: {
    201: {
      ...orderJson("Created (or replayed from an earlier request with the same key)"),
      headers: z.object({ Location: z.string() }),
    },
    ...problems(...COMMON_PROBLEMS, 401, 409, 413, 415),
  },
});

export const getOrderRoute = createRoute({
  method: "get",
  path: "/orders/{order_id}",
  tags: ["orders"],
  summary: "Get one of the caller's orders",
  description: "Answers with an `ETag`; with `If-None-Match` naming it, 304 without a body " +
    "(still counted against the rate limit). A foreign or missing order is 404 whatever the " +
    "precondition.",
  security: BEARER,
  request: { params: OrderIdParam, headers: IF_NONE_MATCH },
  responses: {
    200: { ...orderJson("The order"), headers: ETAG_HEADER },
    304: NOT_MODIFIED,
    ...problems(...COMMON_PROBLEMS, 401, 404),
  },
});

/** Declared only: Hono answers HEAD with the GET handler's headers and no body. */
export const headOrderRoute = createRoute({
  method: "head",
  path: "/orders/{order_id}",
  tags: ["orders"],
  summary: "GET's headers (ETag included) without the body",
  security: BEARER,
  request: { params: OrderIdParam, headers: IF_NONE_MATCH },
  responses: {
    200: { description: "The order exists and is yours; no body", headers: ETAG_HEADER },
    304: NOT_MODIFIED,
    ...bodiless(problems(...COMMON_PROBLEMS, 401, 404)),
  },
});

export const patchOrderRoute = createRoute({
  method: "patch",
  path: "/orders/{order_id}",
  tags: ["orders"],
  summary: "Change an order's status",
  description: `${describeMoves()} ` +
    "Setting the current status again is a no-op (same ETag, no event). With `If-Match`, the " +
    "change is made only if the order is still at that version: otherwise 412 with the " +
    "current `ETag`, checked before the 409 of a disallowed move. Without it, the change is " +
    "made whatever the version.",
  security: BEARER,
  middleware: [requireContentType("json")] as const,
  request: {
    params: OrderIdParam,
    headers: z.object({
      "if-match": z.string().optional().openapi({
        description: "ETags from GET (or `*`: any existing order). Strong comparison: a weak " +
          "tag never matches; a malformed value is 412.",
      }),
    }),
    body: {
      required: true,
      content: {
        "application/json": {
          schema: z.object({ status: OrderStatus }).strict().openapi("UpdateOrderStatus"),
        },
      },
    },
  },
  responses: {
    200: { ...orderJson("The updated order"), headers: ETAG_HEADER },
    ...problems(...COMMON_PROBLEMS, 401, 404, 409, 412, 413, 415),
  },
});

export const listOrdersRoute = createRoute({
  method: "get",
  path: "/orders/user/{user_id}",
  tags: ["orders"],
  summary: "List a user's orders, newest first (that user or an admin)",
  description: "Two ways to page. By number (`page`, the default): `OrderPage` with totals, " +
    "read with OFFSET, so deep pages read and discard the rows before them, and an order " +
    "created meanwhile shifts later pages by one. By cursor (`cursor`, from `next_cursor` or " +
    'the `Link: <…>; rel="next"` header of any full page): `OrderCursorPage`, read from ' +
    "where the previous page ended, with no skips or repeats; no totals, which would be " +
    "stale as soon as an order is added. `cursor` and `page` together, or a cursor of " +
    "another user's list, a forged or a malformed one, are 422.",
  security: BEARER,
  request: {
    params: z.object({ user_id: z.uuid().openapi({ param: { name: "user_id", in: "path" } }) }),
    query: z.object({
      page: z.coerce.number().int().min(1).max(1_000_000).optional().openapi({ default: 1 }),
      page_size: z.coerce.number().int().min(1).max(100).default(10),
      cursor: z.string().min(1).max(512).optional().openapi({
        description: "Opaque; from a previous page's `next_cursor` or `Link` header.",
      }),
    }).refine((query) => query.cursor === undefined || query.page === undefined, {
      message: "use either page or cursor, not both",
      path: ["cursor"],
    }),
  },
  responses: {
    200: {
      description: "A page of orders: by number (`OrderPage`) or after a cursor " +
        "(`OrderCursorPage`)",
      headers: z.object({
        Link: z.string().optional().openapi({
          description: 'RFC 8288: `<url>; rel="next"`, a cursor URL of the next page, when ' +
            "this page is full.",
        }),
      }),
      content: { "application/json": { schema: z.union([PageSchema, CursorPageSchema]) } },
    },
    ...problems(...COMMON_PROBLEMS, 401, 403),
  },
});
