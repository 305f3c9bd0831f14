// How a response is finished, by the chain (the `finishing` middleware, outermost in app.ts)
// and by the fast read (fast-read.ts) alike: the security headers, the rate-limit headers and
// the request id, then the metrics and the access line. So a response does not tell which path
// made it. The headers go on the finished response, after the handler
// (middleware/response-headers.ts says why).
import { createMiddleware } from "hono/factory";
import { routePath } from "hono/route";
import { errorFields, type Log } from "../../common/logger.ts";
import { type AccessFields, elapsedMs } from "../middleware/request-log.ts";
import {
  DOCUMENT_HEADERS,
  type RequestIdEnv,
  requestIdFrom,
  SECURITY_HEADERS,
} from "../middleware/response-headers.ts";
import type { HotPathEnv } from "./context.ts";

export interface FinishOptions {
  /** Counts and times a finished request (metrics/http.ts), or null with metrics off. */
  record: ((method: string, route: string, status: number, seconds: number) => void) | null;
  /** The access log (middleware/request-log.ts). */
  access: (status: number, fields: () => AccessFields) => void;
  log: Log;
}

/** What is known of a request once it is answered. */
export interface Finished {
  method: string;
  /** The route template, never the raw path: ids would make a new metric series each. */
  route: string;
  path: string;
  requestId: string;
  /** performance.now() when the request arrived. */
  startedAt: number;
  userId?: string;
  limitHeaders?: Record<string, string>;
}

export type FinishResponse = (response: Response, finished: Finished) => Response;

export function createFinishResponse({ record, access, log }: FinishOptions): FinishResponse {
  if (typeof access !== "function" || typeof log !== "function") {
    throw new Error("finishResponse: access and log are required");
  }
  return (response, finished) => {
    const headers = response.headers;
    for (const [name, value] of SECURITY_HEADERS) headers.set(name, value);
    if (headers.get("Content-Type")?.startsWith("text/html")) {
      for (const [name, value] of DOCUMENT_HEADERS) headers.set(name, value);
    }
    const limits = finished.limitHeaders;
    if (limits) { for (const name in limits) headers.set(name, limits[name]); }
    headers.set("X-Request-Id", finished.requestId);
    observe(response.status, finished);
    return response;
  };

  /** The metrics and the access line; their failure cannot change the answer. */
  function observe(status: number, f: Finished) {
    try {
      record?.(f.method, f.route, status, (performance.now() - f.startedAt) / 1000);
      access(status, () => ({
        request_id: f.requestId,
        method: f.method,
        route: f.route,
        path: f.path,
        status,
        duration_ms: elapsedMs(f.startedAt),
        user_id: f.userId,
      }));
    } catch (error) {
      log("error", "access log or metrics failed", errorFields(error));
    }
  }
}

type FinishingEnv = HotPathEnv & RequestIdEnv & { Variables: { user?: { id: string } } };

/**
 * The chain's side: `X-Request-Id` is the caller's when it is a safe token (letters, digits,
 * `_-=`, up to 255), else a new UUID, available as `c.get("requestId")`; the response is
 * finished once every middleware inside has run.
 */
export function finishing(finish: FinishResponse) {
  return createMiddleware<FinishingEnv>(async (c, next) => {
    // A request handed over by the fast read has waited since it arrived.
    const startedAt = c.env?.handOver?.receivedAt ?? performance.now();
    const requestId = requestIdFrom(c.req.header("X-Request-Id"));
    c.set("requestId", requestId);
    await next();
    finish(c.res, {
      method: c.req.method,
      route: routePath(c, -1),
      path: c.req.path,
      requestId,
      startedAt,
      userId: c.get("user")?.id,
      limitHeaders: c.get("hotPath")?.limitHeaders,
    });
  });
}
