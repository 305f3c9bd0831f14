// The cached read of one's own order, GET /orders/{id}, as the fast read answers it outside
// the middleware chain (hot-path/fast-read.ts): the same answer as the handler's
// (orders.handlers.ts), from the same cache entry.
import type { CachedRead } from "../hot-path/index.ts";
import { countCacheRead } from "../metrics/metrics.ts";
import { type CachedOrder, orderCacheKeyFor, parseCachedEntry } from "./orders.cache.ts";
import { etagOf, ifNoneMatchHits } from "./orders.etag.ts";
import { getOrderRoute } from "./orders.routes.ts";

function readable(raw: string): CachedOrder | null {
  try {
    return parseCachedEntry(raw);
  } catch {
    return null; // the app reads it again and answers (and logs) as it always has
  }
}

export const cachedOrderRead: CachedRead = {
  route: getOrderRoute.path.replace(/\{(\w+)\}/g, ":$1"),
  cacheKey: orderCacheKeyFor,
  answer(raw, caller, request) {
    // Read without counting: a request handed over is counted by the handler's own read.
    const cached = readable(raw);
    if (!cached || (caller.role !== "admin" && cached.creatorId !== caller.sub)) {
      return null; // a foreign order is the app's plain 404; a bad entry its 500
    }
    countCacheRead("hit", null);
    // The handler's answer: the ETag, and 304 without a body or its type when the client's
    // copy is current.
    const etag = etagOf(cached.version);
    if (ifNoneMatchHits(request.headers.get("If-None-Match"), etag)) {
      const headers: Record<string, string> = { ETag: etag };
      return { status: 304, body: null, headers };
    }
    return {
      status: 200,
      body: cached.json,
      headers: { "Content-Type": "application/json", ETag: etag },
    };
  },
};
