// Handlers for /orders, typed from their route definitions.
import { createRouter } from "../lib/openapi.ts";
import { currentTraceparent } from "../../common/tracing.ts";
import { ProblemError } from "../lib/problem.ts";
import { authenticate, type AuthEnv } from "../auth/authenticate.ts";
import { publishChange } from "./cache-repairs.ts";
import { createOrder } from "./orders.create.ts";
import { createOrderInserts } from "./orders.batch.ts";
import { changeStatus, findOrder } from "./orders.repo.ts";
import { createCursors, CursorError, cursorKey, type CursorPosition } from "./orders.cursor.ts";
import { listOrdersAfter, listOrdersPage } from "./orders.list.ts";
import type { Config } from "../config.ts";
import type { Sql } from "../platform/db.ts";
import type { Log } from "../../common/logger.ts";
import type { HotPathEnv } from "../hot-path/index.ts";
import type { AuthDeps } from "../auth/auth.handlers.ts";
import type { OrderCache } from "./orders.cache.ts";
import type { Order } from "./orders.model.ts";
import {
  createOrderRoute,
  getOrderRoute,
  headOrderRoute,
  listOrdersRoute,
  PageSchema,
  patchOrderRoute,
} from "./orders.routes.ts";
import type { z } from "@hono/zod-openapi";
import { etagOf, ifNoneMatchHits } from "./orders.etag.ts";
import type { SharedPages } from "./shared-pages.ts";

const JSON_TYPE = { "Content-Type": "application/json" };

/** What the orders routes need from the outside world. */
export interface OrdersDeps extends Pick<AuthDeps, "tokens" | "revocations"> {
  config: Config;
  sql: Sql;
  cache: OrderCache;
  log: Log;
  /** Set with HOT_PATH_IN_PROCESS: numbered list pages shared for a moment (shared-pages.ts). */
  sharedPages?: SharedPages<PageAnswer>;
}

/** A numbered list page as sent: its JSON and its Link header, if any. */
export interface PageAnswer {
  json: string;
  link: string | undefined;
}

export function ordersRouter(
  { sql, cache, tokens, revocations, log, config, sharedPages }: OrdersDeps,
) {
  const router = createRouter<AuthEnv & HotPathEnv>();
  const inserts = createOrderInserts(sql);
  // "/orders/*" matches "/orders" too: a second registration for it ran the token and session
  // checks twice on POST /orders (twice to PostgreSQL while Redis cannot tell).
  router.use("/orders/*", authenticate(tokens, revocations));

  router.openapi(createOrderRoute, async (c) => {
    const body = c.req.valid("json");
    const key = c.req.valid("header")["idempotency-key"];
    const result = await createOrder({ sql, inserts }, {
      creatorId: c.get("user").id,
      items: body.items,
      orderPrice: body.order_price,
    }, key);
    const order = result.replayed ? result.order : result.entry.order;
    if (result.replayed) c.header("Idempotent-Replayed", "true");
    // No cache fill: the cache is read-through, and a Redis write per new order cost POST
    // about a sixth of its rate (docs/performance.md); the first read fills it.
    else sharedPages?.changed(order.creator_id);
    return c.json(order, 201, { Location: `/orders/${order.id}` });
  });

  // HEAD is answered by this GET handler (Hono drops the body); the route only declares it.
  router.openAPIRegistry.registerPath(headOrderRoute);
  router.openapi(getOrderRoute, async (c) => {
    const { order_id } = c.req.valid("param");
    const ifNoneMatch = c.req.valid("header")["if-none-match"];
    const user = c.get("user");
    // Admins may read any order; everyone else only their own, and a foreign order is a
    // plain 404 so ids of other users' orders cannot be probed.
    const visible = (creatorId: string) => user.role === "admin" || creatorId === user.id;
    /** The order's JSON with its ETag, or 304 when the client's copy is current. */
    const answer = (json: string, version: number) => {
      const etag = etagOf(version);
      const response = ifNoneMatchHits(ifNoneMatch, etag)
        ? c.body(null, 304, { ETag: etag })
        : c.body(json, 200, { ...JSON_TYPE, ETag: etag });
      return response as unknown as ReturnType<typeof c.json<Order, 200>>;
    };
    const cached = await cache.get(order_id, c.get("hotPath")?.prefetched.cache);
    if (cached) {
      if (!visible(cached.creatorId)) throw new ProblemError(404, "Order not found.");
      // The stored JSON is what c.json(order) would write, without serialising again.
      return answer(cached.json, cached.version);
    }
    const entry = await findOrder(sql, order_id);
    if (!entry || !visible(entry.order.creator_id)) throw new ProblemError(404, "Order not found.");
    await cache.put(entry);
    return answer(JSON.stringify(entry.order), entry.version);
  });

  router.openapi(patchOrderRoute, async (c) => {
    const { order_id } = c.req.valid("param");
    const { status } = c.req.valid("json");
    const result = await changeStatus(sql, {
      id: order_id,
      ownerId: c.get("user").id,
      status,
      ifMatch: c.req.valid("header")["if-match"],
      traceparent: currentTraceparent(),
    });
    if (result.kind === "not_found") throw new ProblemError(404, "Order not found.");
    if (result.kind === "precondition_failed") {
      throw new ProblemError(
        412,
        "The order is no longer at the version If-Match names: read it again (its current " +
          "ETag is in the ETag header) and decide again.",
        { etag: result.etag },
        { ETag: result.etag },
      );
    }
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
    if (result.changed) {
      sharedPages?.changed(result.entry.order.creator_id);
      await publishChange({ sql, cache, log }, result.entry, result.repairId);
    }
    return c.json(result.entry.order, 200, { ETag: etagOf(result.entry.version) });
  });

  const cursors = createCursors(cursorKey(config.pageCursorSecret, config.jwt.secret));
  /** The next page's URL, for any full page: clients of page numbers may switch to cursors. */
  const nextPage = (userId: string, pageSize: number, next: CursorPosition | null) => {
    if (!next) return null;
    const cursor = cursors.encode(userId, next);
    const query = new URLSearchParams({ page_size: String(pageSize), cursor });
    return { cursor, link: `</orders/user/${userId}?${query}>; rel="next"` };
  };
  /** A numbered page as the response's body and Link header, shared when sharedPages is set. */
  const numberedPage = (input: { creatorId: string; page: number; pageSize: number }) => {
    const read = async (): Promise<PageAnswer> => {
      const result = await listOrdersPage(sql, input);
      const json = JSON.stringify(result.body);
      return { json, link: nextPage(input.creatorId, input.pageSize, result.next)?.link };
    };
    const key = `${input.page} ${input.pageSize}`;
    return sharedPages ? sharedPages.read(input.creatorId, key, read) : read();
  };
  router.openapi(listOrdersRoute, async (c) => {
    const { user_id } = c.req.valid("param");
    const { page, page_size, cursor } = c.req.valid("query");
    const user = c.get("user");
    if (user.id !== user_id && user.role !== "admin") {
      throw new ProblemError(403, "You may only list your own orders.");
    }
    if (cursor === undefined) {
      const answer = await numberedPage({
        creatorId: user_id,
        page: page ?? 1,
        pageSize: page_size,
      });
      if (answer.link) c.header("Link", answer.link);
      // The JSON c.json(body) would write, made once for every request that shares it.
      const response = c.body(answer.json, 200, JSON_TYPE);
      return response as unknown as ReturnType<typeof c.json<z.infer<typeof PageSchema>, 200>>;
    }
    let after: CursorPosition;
    try {
      after = cursors.decode(user_id, cursor);
    } catch (error) {
      if (!(error instanceof CursorError)) throw error;
      throw new ProblemError(422, "The request is invalid.", {
        errors: [{ path: "query.cursor", message: error.message }],
      });
    }
    const result = await listOrdersAfter(sql, { creatorId: user_id, after, pageSize: page_size });
    const next = nextPage(user_id, page_size, result.next);
    if (next) c.header("Link", next.link);
    return c.json({ items: result.items, page_size, next_cursor: next?.cursor ?? null }, 200);
  });

  return router;
}
