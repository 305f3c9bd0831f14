// createApp(deps): the whole HTTP API, built the same way for main.ts and for tests.
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import { errorFields } from "../common/logger.ts";
import { createRouter } from "./lib/openapi.ts";
import { errorHandler, problemResponse } from "./lib/problem.ts";
import { clientIp } from "./middleware/client-ip.ts";
import { rateLimit } from "./middleware/rate-limit.ts";
import { requestLog } from "./middleware/request-log.ts";
import { requestTimeout } from "./middleware/request-timeout.ts";
import { authRouter, loginRateLimit } from "./auth/index.ts";
import { docsRouter } from "./docs/docs.ts";
import { healthRouter } from "./health/health.ts";
import { ordersRouter } from "./orders/index.ts";
import type { App, AppDeps } from "./types.ts";

const UNLIMITED = /^\/(health\/|docs|openapi\.json)/;

export function createApp(deps: AppDeps): App {
  const { config, log, redis } = deps;
  const app = createRouter();

  app.use(requestId({ headerName: "X-Request-Id" }));
  app.use(requestLog(log));
  app.use(secureHeaders());
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

  if (config.rateLimit.enabled) {
    const ip = (c: Parameters<typeof clientIp>[0]) => clientIp(c, config.rateLimit.trustProxy);
    app.use(rateLimit({
      name: "api",
      rate: config.rateLimit.general,
      redis,
      log,
      key: ip,
      skip: (c) => UNLIMITED.test(c.req.path),
    }));
    // Password guessing is limited per account and client, on top of the general limit.
    app.use(
      "/auth/token",
      loginRateLimit({ rate: config.rateLimit.login, redis, log, clientIp: ip }),
    );
  }

  app.route("/", healthRouter(deps));
  app.route("/", authRouter(deps));
  app.route("/", ordersRouter(deps));
  app.route("/", docsRouter());

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
  return app;
}
