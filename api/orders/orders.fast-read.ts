// The cached read of one's own order, GET /orders/{id}, answered outside Hono's middleware
// chain: the service's most frequent request, and the chain's ten middleware cost it about
// twice what the work itself does (bench/PROFILE.md, "Fast read"). It answers only the plain
// case: a valid, unrevoked token, a counted and unexceeded rate limit, the order in the cache,
// and the caller allowed to see it. Everything else (no or bad token, 429, a cache miss,
// Redis down, a foreign order, CORS) goes through the app as before, with the round trip
// already made handed along (`c.env.roundTrip`), so it is counted once and answered exactly
// as the app answers it. The same shared pieces write the headers, the access line and the
// metrics, so a response does not tell which path made it (tests/api/fast-read.test.ts).
import { Context } from "hono";
import { errorFields, type Log } from "../../common/logger.ts";
import { type AccessFields, elapsedMs } from "../middleware/request-log.ts";
import type { HotPathEnv, RoundTrip, RoundTripper } from "../middleware/hot-path.ts";
import { rateLimitHeaders, verdict } from "../middleware/rate-limit.ts";
import { requestIdFrom, SECURITY_HEADERS } from "../middleware/response-headers.ts";
import { bearerToken } from "../auth/authenticate.ts";
import type { ClientIpEnv } from "../middleware/client-ip.ts";
import type { Tokens } from "../auth/tokens.ts";
import { type CachedOrder, orderCacheKeyFor, parseCachedEntry } from "./orders.cache.ts";
import { countCacheRead } from "../metrics/metrics.ts";
import { getOrderRoute } from "./orders.routes.ts";
import { etagOf, ifNoneMatchHits } from "./orders.etag.ts";

type Env = HotPathEnv["Bindings"] & ClientIpEnv["Bindings"];
type Fetch = (
  request: Request,
  env?: Env,
  executionCtx?: never,
) => Response | Promise<Response>;

export interface FastReadOptions {
  tokens: Tokens;
  /** The request's Redis round trip (hot-path.ts), the same one the app's middleware makes. */
  roundTrip: RoundTripper;
  /** Counts and times a finished request (metrics/http.ts), or null with metrics off. */
  record: ((method: string, route: string, status: number, seconds: number) => void) | null;
  /** The access log (middleware/request-log.ts). */
  access: (status: number, fields: () => AccessFields) => void;
  log: Log;
  /** The app's own path reading (Hono's `app.getPath`), so `c.req.path` is what the app sees. */
  getPath: (request: Request, options: { env?: Env }) => string;
  /** Off when CORS is configured: its headers depend on the request's Origin. */
  enabled: boolean;
}

/** The route as Hono reports it (`/orders/:order_id`), for the same metric and log labels. */
const ROUTE = getOrderRoute.path.replace(/\{(\w+)\}/g, ":$1");

function readable(raw: string): CachedOrder | null {
  try {
    return parseCachedEntry(raw);
  } catch {
    return null; // the app reads it again and answers (and logs) as it always has
  }
}

/** Wraps the app's fetch: the fast read where it applies, the app for everything else. */
export function withFastRead(app: Fetch, opts: FastReadOptions): Fetch {
  if (!opts.enabled) return app;
  const { tokens, roundTrip, record, access, log, getPath } = opts;

  async function read(request: Request, env: Env | undefined, path: string): Promise<Response> {
    const receivedAt = performance.now();
    let trip: RoundTrip | null = null;
    const handOver = () => app(request, { ...env, receivedAt, roundTrip: trip ?? undefined });
    try {
      const token = bearerToken(request.headers.get("Authorization") ?? undefined);
      if (!token) return handOver(); // 401 is the app's to write
      // Claims are cached per token (auth/tokens.ts): a client's next requests skip the HMAC.
      const claims = await tokens.verify("access", token).catch(() => null);
      if (!claims) return handOver();
      const c = new Context<HotPathEnv & ClientIpEnv>(request, { env: env ?? {}, path });
      trip = await roundTrip.perform(c, claims.sid);
      const entry = trip?.prefetched.cache;
      // The session checked is the token's (its sid was handed in): refused, or unknown (Redis
      // down, or its denylist not known complete), is the app's to answer from PostgreSQL.
      if (!trip || trip.prefetched.session?.revoked !== false || !entry?.raw) {
        return handOver();
      }
      const { index, blocked } = verdict(trip.counters, trip.counts);
      if (blocked) return handOver();
      // Read without counting: a request handed over is counted by the handler's own read.
      const cached = readable(entry.raw);
      if (!cached || (claims.role !== "admin" && cached.creatorId !== claims.sub)) {
        return handOver(); // a foreign order is the app's plain 404; a bad entry its 500
      }
      countCacheRead("hit", null);

      // The app's answer (orders.handlers.ts): the ETag, and 304 without a body or its type
      // when the client's copy is current.
      const etag = etagOf(cached.version);
      const status = ifNoneMatchHits(request.headers.get("If-None-Match"), etag) ? 304 : 200;
      const requestId = requestIdFrom(request.headers.get("X-Request-Id"));
      const headers: Record<string, string> = status === 200
        ? { "Content-Type": "application/json", ETag: etag, "X-Request-Id": requestId }
        : { ETag: etag, "X-Request-Id": requestId };
      for (const [name, value] of SECURITY_HEADERS) headers[name] = value;
      if (index >= 0) {
        const { rule } = trip.counters[index];
        Object.assign(headers, rateLimitHeaders(rule, trip.counts[index], false));
      }
      const response = new Response(status === 200 ? cached.json : null, { status, headers });
      observe(status, requestId, path, claims.sub, receivedAt);
      return response;
    } catch (error) {
      // A bug here must not cost the client its answer: the app answers it instead.
      log("error", "fast read failed; the app answers the request", errorFields(error));
      return handOver();
    }
  }

  /** The access line and metrics of an answered read; their failure cannot change the answer. */
  function observe(
    status: number,
    requestId: string,
    path: string,
    userId: string,
    receivedAt: number,
  ) {
    try {
      record?.("GET", ROUTE, status, (performance.now() - receivedAt) / 1000);
      access(status, () => ({
        request_id: requestId,
        method: "GET",
        route: ROUTE,
        path,
        status,
        duration_ms: elapsedMs(receivedAt),
        user_id: userId,
      }));
    } catch (error) {
      log("error", "fast read: access log or metrics failed", errorFields(error));
    }
  }

  return (request, env, executionCtx) => {
    // Cheap checks first: most requests are not this one. The path is read as the app reads it.
    if (request.method !== "GET") return app(request, env, executionCtx);
    const path = getPath(request, { env });
    if (orderCacheKeyFor(path) === null) return app(request, env, executionCtx);
    if (request.headers.has("Content-Length") || request.headers.has("Transfer-Encoding")) {
      return app(request, env, executionCtx); // a body on a GET: the app's body limit decides
    }
    return read(request, env, path);
  };
}
