// Helpers for route definitions: problem responses and the router whose validation
// failures become 422 problems.
import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../types.ts";
import { problemResponse, ProblemSchema, zodIssues } from "./problem.ts";

const DESCRIPTIONS: Record<number, string> = {
  400: "Malformed request (for example invalid JSON)",
  401: "Missing or invalid bearer token",
  403: "Authenticated but not allowed",
  404: "Not found (or not yours)",
  409: "Conflict",
  413: "Request body too large",
  415: "Unsupported content type",
  422: "Validation error; `errors[]` names each field",
  429: "Rate limited; see Retry-After and RateLimit-* headers",
  503: "A dependency the request needs is unavailable",
};

/** OpenAPI response entries for the given error statuses, all problem+json. */
export function problems<S extends number>(...statuses: S[]) {
  return Object.fromEntries(statuses.map((status) => [status, {
    description: DESCRIPTIONS[status] ?? "Error",
    content: { "application/problem+json": { schema: ProblemSchema } },
  }])) as {
    [K in S]: {
      description: string;
      content: { "application/problem+json": { schema: typeof ProblemSchema } };
    };
  };
}

/** Every route can be rate limited, fail on bad input or find the database down. */
export const COMMON_PROBLEMS = [400, 422, 429, 503] as const;

export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) {
        const target = (result as { target?: string }).target;
        const prefix = target === "json" || target === "form" ? "body" : target ?? "";
        return problemResponse(c, 422, "The request is invalid.", {
          errors: zodIssues(result.error, prefix),
        });
      }
    },
  });
}

export const BEARER = [{ OAuth2PasswordBearer: [] }];
