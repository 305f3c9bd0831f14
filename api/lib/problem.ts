// RFC 9457 problem details: the one error body the API sends for every 4xx and 5xx.
import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ZodError } from "zod";
import { classifyDbError } from "../../common/db-errors.ts";

export const PROBLEM_TYPE_BASE = "https://order-service.dev/problems/";

export const ProblemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  instance: z.string().optional(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  allowed: z.array(z.string()).optional(),
  etag: z.string().optional().openapi({
    description: "On 412: the resource's current ETag (also in the ETag header).",
  }),
}).openapi("Problem");
export type Problem = z.infer<typeof ProblemSchema>;

const TITLES: Record<number, [slug: string, title: string]> = {
  400: ["bad-request", "Bad request"],
  401: ["unauthorized", "Unauthorized"],
  403: ["forbidden", "Forbidden"],
  404: ["not-found", "Not found"],
  405: ["method-not-allowed", "Method not allowed"],
  409: ["conflict", "Conflict"],
  412: ["precondition-failed", "Precondition failed"],
  413: ["payload-too-large", "Payload too large"],
  415: ["unsupported-media-type", "Unsupported media type"],
  422: ["validation-error", "Validation error"],
  429: ["rate-limited", "Too many requests"],
  500: ["internal", "Internal server error"],
  503: ["unavailable", "Service unavailable"],
};

/** An error a handler throws to answer with a problem; the error handler renders it. */
export class ProblemError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly detail: string,
    readonly extra: Partial<Problem> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }
}

export function problemBody(status: number, detail: string, extra: Partial<Problem> = {}) {
  const [slug, title] = TITLES[status] ?? ["error", "Error"];
  return { type: PROBLEM_TYPE_BASE + slug, title, status, detail, ...extra } satisfies Problem;
}

export function problemResponse(
  c: Context,
  status: ContentfulStatusCode,
  detail: string,
  extra: Partial<Problem> = {},
  headers: Record<string, string> = {},
): Response {
  if (status === 401) headers = { "WWW-Authenticate": 'Bearer realm="order-service"', ...headers };
  return c.body(JSON.stringify(problemBody(status, detail, extra)), status, {
    ...headers,
    "Content-Type": "application/problem+json",
  });
}

export function zodIssues(error: ZodError, prefix = "") {
  return error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter(Boolean).join("."),
    message: issue.message,
  }));
}

export type ErrorLogger = (error: unknown, c: Context) => void;

/** The app's single error handler: every thrown thing becomes a problem+json response. */
export function errorHandler(logError: ErrorLogger) {
  return (error: Error, c: Context): Response => {
    if (error instanceof ProblemError) {
      return problemResponse(c, error.status, error.detail, error.extra, error.headers);
    }
    if (error instanceof ZodError) {
      return problemResponse(c, 422, "The request is invalid.", { errors: zodIssues(error) });
    }
    if (error instanceof HTTPException) {
      const detail = /json/i.test(error.message)
        ? "The request body is not valid JSON."
        : error.message || "The request could not be processed.";
      return problemResponse(c, error.status as ContentfulStatusCode, detail);
    }
    const code = (error as { code?: string }).code;
    if (code === "23505") return problemResponse(c, 409, "The resource already exists.");
    // Class 22, data exceptions (bad encoding, out-of-range numbers, invalid JSON text, ...):
    // the input was wrong, not the server. The safe-input middleware should catch these
    // first; this is the net under it, logged so a gap in validation gets noticed.
    if (typeof code === "string" && /^22[0-9A-Z]{3}$/.test(code)) {
      logError(error, c);
      return problemResponse(c, 422, "The request contains a value the database cannot store.");
    }
    // The database is away, overloaded or restarting (outage), or the deployment is wrong: a
    // role, grant, database, table or column is missing (environment; the worker pauses on
    // the same list, common/db-errors.ts). Neither is the client's fault nor a bug in the
    // request: 503 with Retry-After, never 500. An environment error needs an operator, so it
    // is logged; an outage is reported by the health checks instead.
    const kind = classifyDbError(error);
    if (kind !== "statement") {
      if (kind === "environment") logError(error, c);
      const detail = code === "57014"
        ? "The database did not answer in time."
        : "The database is unavailable; try again shortly.";
      return problemResponse(c, 503, detail, {}, { "Retry-After": "1" });
    }
    logError(error, c);
    return problemResponse(c, 500, "An unexpected error occurred.");
  };
}
