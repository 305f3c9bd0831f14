// createApp(deps): the whole HTTP API, built the same way for main.ts and for tests.
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { errorFields, type Log, logs } from "../common/logger.ts";
import { createRouter, registerJsonValue } from "./lib/openapi.ts";
import { errorHandler, problemResponse } from "./lib/problem.ts";
import { methodNotAllowed } from "./middleware/method-not-allowed.ts";
import { safeInput } from "./safe-input/middleware.ts";
import { recordRequest } from "./metrics/http.ts";
import { accessLogger } from "./middleware/request-log.ts";
import { requestTimeout } from "./request-deadline/middleware.ts";
import {
  type AuthDeps,
  authLimits,
  authRouter,
  REVOCATIONS_COMPLETE_KEY,
  revokedSessionKey,
} from "./auth/index.ts";
import {
  createFinishResponse,
  createLocalRoundTrip,
  createRoundTrip,
  finishing,
  hotPath,
  type HotPathEnv,
  type InProcessState,
  withFastRead,
} from "./hot-path/index.ts";
import { bearerToken } from "./lib/bearer-token.ts";
import { type ClientIpEnv, clientIpResolver } from "./client-ip/middleware.ts";
import { TIMEOUT_SWEEP_FLOOR_MS } from "./platform/redis.ts";
import { docsRouter } from "./docs/docs.ts";
import { healthRouter } from "./health/health.ts";
import { cachedOrderRead, orderCacheKeyFor, ordersRouter } from "./orders/index.ts";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { Config } from "./config.ts";
import type { AuthEnv } from "./auth/authenticate.ts";
import type { HealthDeps } from "./health/health.ts";
import type { RequestIdEnv } from "./middleware/response-headers.ts";
import type { OrdersDeps } from "./orders/orders.handlers.ts";

/** Everything the app needs from the outside world; deps.ts and tests build it. */
export type AppDeps = AuthDeps & OrdersDeps & HealthDeps & {
  config: Config;
  log: Log;
  /** Set with HOT_PATH_IN_PROCESS: the round trip answered in process (deps.ts). */
  inProcess?: InProcessState;
};

/** What the server and the middleware put on every request's context. */
export type AppEnv = ClientIpEnv & HotPathEnv & RequestIdEnv & AuthEnv;

export type App = OpenAPIHono<AppEnv>;

/** `fastRead: false` leaves every request to the middleware chain (tests compare the two). */
export function createApp(deps: AppDeps, { fastRead = true }: { fastRead?: boolean } = {}): App {
  const { config, log } = deps;
  // Not strict: `/orders/` routes as `/orders`, as the original (FastAPI) service's clients expect.
  const app = createRouter<AppEnv>({ strict: false });

  // Access lines are info: below that level none is built at all.
  const accessLog = logs(config.logLevel, "info") ? config.accessLogSampleRate : 0;
  // Request id, security and rate-limit headers, metrics and the access line, for every
  // response: the same as the fast read's.
  const finish = createFinishResponse({
    record: config.metrics.enabled ? recordRequest : null,
    access: accessLogger(log, { sampleRate: accessLog }),
    log,
  });
  app.use(finishing(finish));
  if (config.corsOrigins.length > 0) {
    app.use(cors({
      origin: config.corsOrigins,
      allowHeaders: ["Authorization", "Content-Type", "Idempotency-Key"],
      exposeHeaders: [
        "Location",
        "Retry-After",
        "RateLimit-Limit",
        "RateLimit-Remaining",
        "RateLimit-Reset",
      ],
    }));
  }
  // Inside the log and header middleware, so a request cut off at its deadline is logged
  // and carries the usual headers.
  app.use(requestTimeout({ timeoutMs: config.requestTimeoutMs }));
  app.use(bodyLimit({
    maxSize: config.maxBodyBytes,
    onError: (c) =>
      problemResponse(c, 413, `The body is larger than ${config.maxBodyBytes} bytes.`),
  }));

  // One Redis round trip per request: rate limits, the logout denylist and the order cache.
  const roundTrip = requestRoundTrip(deps);
  app.use(hotPath(roundTrip));

  app.use(methodNotAllowed(() => app.routes));
  app.use(safeInput());

  app.route("/", healthRouter(deps));
  app.route("/", authRouter(deps));
  app.route("/", ordersRouter(deps));
  app.route("/", docsRouter());

  registerJsonValue(app);
  app.openAPIRegistry.registerComponent("securitySchemes", "OAuth2PasswordBearer", {
    type: "oauth2",
    flows: { password: { tokenUrl: "/auth/token", refreshUrl: "/auth/token", scopes: {} } },
  });
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "Order Service",
      version: "1.0.0",
      description: "Orders with JWT auth; every created order is published to Kafka `new_order`. " +
        "Errors are RFC 9457 problem+json.",
    },
  });

  app.notFound((c) => problemResponse(c, 404, `No route for ${c.req.method} ${c.req.path}.`));
  app.onError(
    errorHandler((error, c) =>
      log("error", "unhandled error", { request_id: c.get("requestId"), ...errorFields(error) })
    ),
  );
  // The cached read of an order answers outside the chain above when it can (its file says
  // why); app.request() goes through fetch too, so tests see what clients see.
  app.fetch = withFastRead(app.fetch, {
    read: cachedOrderRead,
    tokens: deps.tokens,
    roundTrip,
    finish,
    log,
    getPath: app.getPath,
    // The read waits for Redis without a deadline of its own: an EVALSHA, then EVAL after
    // NOSCRIPT, each noticed as timed out up to max(10 ms, a fifth) late (redis.ts). Only where
    // that is inside the request deadline, which the app then counts from arrival.
    enabled: fastRead && config.corsOrigins.length === 0 &&
      3 * (config.redis.commandTimeoutMs + TIMEOUT_SWEEP_FLOOR_MS) <= config.requestTimeoutMs,
  }) as App["fetch"];
  return app;
}

const UNLIMITED = /^\/(health\/|docs|openapi\.json)/;

/**
 * What the request's single Redis round trip (hot-path/) carries for this API, for the
 * middleware and the fast read alike: the general limit per client, the login and register
 * limits, the bearer token's session for the logout denylist, and the order a GET /orders/{id}
 * reads.
 */
export function requestRoundTrip(
  { config, redis, log, tokens, inProcess }: Pick<
    AppDeps,
    "config" | "redis" | "log" | "tokens" | "inProcess"
  >,
) {
  const limits = config.rateLimit;
  const ip = clientIpResolver(limits.trustedProxies);
  const what = {
    limits: limits.enabled
      ? [
        {
          name: "api",
          rate: limits.general,
          key: (c: Context) => UNLIMITED.test(c.req.path) ? null : ip(c),
        },
        ...authLimits({ ...limits, clientIp: ip }),
      ]
      : [],
    // Only a valid token's session is worth checking; verified tokens are cached in `tokens`.
    session: async (c: Context) => {
      const token = bearerToken(c.req.header("Authorization"));
      if (!token) return null;
      return (await tokens.verify("access", token).catch(() => null))?.sid ?? null;
    },
    denylist: { session: revokedSessionKey, complete: REVOCATIONS_COMPLETE_KEY },
    prefetch: (c: Context) => c.req.method === "GET" ? orderCacheKeyFor(c.req.path) : null,
  };
  const roundTrip = createRoundTrip({ redis, log, ...what });
  return inProcess ? createLocalRoundTrip({ ...what, ...inProcess, roundTrip }) : roundTrip;
}
