// The fast read: one cached GET answered outside Hono's middleware chain. It is the service's
// most frequent request, and the chain's middleware cost it more than the work itself
// (bench/PROFILE.md, "Fast read"). It answers only the plain case: a valid, unrevoked token, a
// counted and unexceeded rate limit, the entry in the cache, and the feature's own answer from
// it (for orders, orders/orders.cached-read.ts). Everything else (no or bad token, 429, a cache
// miss, Redis down, a foreign order, CORS) goes through the app as before, with the round trip
// already made handed along (HandOver), so it is counted once and answered exactly as the app
// answers it. Its answer is finished as the chain's are (finish.ts), so a response does not
// tell which path made it (tests/api/fast-read.test.ts).
import { Context } from "hono";
import { errorFields, type Log } from "../../common/logger.ts";
import { bearerToken } from "../lib/bearer-token.ts";
import { requestIdFrom } from "../middleware/response-headers.ts";
import type { ClientIpEnv } from "../client-ip/middleware.ts";
import type { AccessTokens, HotPathEnv, RoundTrip } from "./context.ts";
import { rateLimitHeaders, verdict } from "./rate-limit.ts";
import type { FinishResponse } from "./finish.ts";
import type { RoundTripper } from "./round-trip.ts";

type Env = HotPathEnv["Bindings"] & ClientIpEnv["Bindings"];
type Fetch = (
  request: Request,
  env?: Env,
  executionCtx?: never,
) => Response | Promise<Response>;

/** What a feature answers from a cached entry; the hot path does the rest. */
export interface CachedRead {
  /** The route as Hono reports it (`/orders/:order_id`), for the same metric and log labels. */
  route: string;
  /** The cache key of a path this read answers, or null for any other path. */
  cacheKey: (path: string) => string | null;
  /** The answer for this caller from the raw entry, or null to hand the request over. */
  answer: (
    raw: string,
    caller: { sub: string; role?: string },
    request: Request,
  ) => { status: number; body: string | null; headers: Record<string, string> } | null;
}

export interface FastReadOptions {
  read: CachedRead;
  tokens: AccessTokens;
  /** The request's Redis round trip (round-trip.ts), the same one the app's middleware makes. */
  roundTrip: Pick<RoundTripper, "perform">;
  /** Headers, metrics and the access line, as the chain finishes its responses (finish.ts). */
  finish: FinishResponse;
  log: Log;
  /** The app's own path reading (Hono's `app.getPath`), so `c.req.path` is what the app sees. */
  getPath: (request: Request, options: { env?: Env }) => string;
  /** Off when CORS is configured: its headers depend on the request's Origin. */
  enabled: boolean;
}

/** Wraps the app's fetch: the fast read where it applies, the app for everything else. */
export function withFastRead(app: Fetch, opts: FastReadOptions): Fetch {
  if (!opts.enabled) return app;
  const { read: feature, tokens, roundTrip, finish, log, getPath } = opts;

  async function read(request: Request, env: Env | undefined, path: string): Promise<Response> {
    const receivedAt = performance.now();
    let trip: RoundTrip | null = null;
    const handOver = () => app(request, { ...env, handOver: { receivedAt, roundTrip: trip } });
    try {
      const token = bearerToken(request.headers.get("Authorization"));
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
      const answer = feature.answer(entry.raw, claims, request);
      if (!answer) return handOver();

      const { body, status, headers } = answer;
      const { counters, counts } = trip;
      return finish(new Response(body, { status, headers }), {
        method: "GET",
        route: feature.route,
        path,
        requestId: requestIdFrom(request.headers.get("X-Request-Id")),
        startedAt: receivedAt,
        userId: claims.sub,
        limitHeaders: index >= 0
          ? rateLimitHeaders(counters[index].rule, counts[index], false)
          : undefined,
      });
    } catch (error) {
      // A bug here must not cost the client its answer: the app answers it instead.
      log("error", "fast read failed; the app answers the request", errorFields(error));
      return handOver();
    }
  }

  return (request, env, executionCtx) => {
    // Cheap checks first: most requests are not this one. The path is read as the app reads it.
    if (request.method !== "GET") return app(request, env, executionCtx);
    const path = getPath(request, { env });
    if (feature.cacheKey(path) === null) return app(request, env, executionCtx);
    if (request.headers.has("Content-Length") || request.headers.has("Transfer-Encoding")) {
      return app(request, env, executionCtx); // a body on a GET: the app's body limit decides
    }
    return read(request, env, path);
  };
}
