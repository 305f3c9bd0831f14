// Helpers for route definitions: problem responses and the router whose validation
// failures become 422 problems.
import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Env } from "hono";
import type { BlankEnv } from "hono/types";
import { problemResponse, ProblemSchema, zodIssues } from "./problem.ts";

const DESCRIPTIONS: Record<number, string> = {
  400: "Malformed request (for example invalid JSON)",
  401: "Missing or invalid bearer token",
  403: "Authenticated but not allowed",
  404: "Not found (or not yours)",
  409: "Conflict",
  412: "If-Match names no current version of the resource; its current ETag is in the ETag " +
    "header and in `etag`",
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

/** `strict: false` (top-level app only): `/orders/` routes as `/orders`, as in FastAPI. */
/** `E`: what the router's middleware put on the context, for its handlers. */
export function createRouter<E extends Env = BlankEnv>(opts: { strict?: boolean } = {}) {
  return new OpenAPIHono<E>({
    strict: opts.strict ?? true,
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

/**
 * What the safe-input middleware enforces on every string, stated in the document: no NUL.
 * (Unpaired surrogates cannot be written in UTF-8 at all, so no pattern is needed for them.)
 */
export const NO_NUL = "^[^\\x00]*$";

/** A string the document describes as NUL-free; the middleware is what enforces it. */
export const text = () => z.string().openapi({ pattern: NO_NUL });

/**
 * Any JSON value whose strings and keys are NUL-free, as the document states it (written by
 * hand: the generator would wrap the recursive reference in a `oneOf` with null, which no
 * value satisfies). Register it once on the app with `registerJsonValue`.
 */
export const JSON_VALUE_SCHEMA = {
  description: "Any JSON value without NUL characters in its strings and keys.",
  anyOf: [
    { type: "string", pattern: NO_NUL },
    { type: "number" },
    { type: "boolean" },
    { type: "null" },
    { type: "array", items: { $ref: "#/components/schemas/JsonValue" } },
    {
      type: "object",
      propertyNames: { pattern: NO_NUL },
      additionalProperties: { $ref: "#/components/schemas/JsonValue" },
    },
  ],
} as const;

export function registerJsonValue<E extends Env>(app: OpenAPIHono<E>) {
  app.openAPIRegistry.registerComponent("schemas", "JsonValue", JSON_VALUE_SCHEMA as never);
}

/**
 * A JSON object of any values, documented with JsonValue. The values are checked by the
 * safe-input middleware (NUL, surrogates, depth), not by zod, so no recursion happens here.
 */
export const jsonObject = (opts: { maxKeys: number; maxKeyLength: number }) =>
  z.record(z.string().max(opts.maxKeyLength), z.unknown())
    .refine((value) => Object.keys(value).length <= opts.maxKeys, `at most ${opts.maxKeys} entries`)
    .openapi({
      maxProperties: opts.maxKeys,
      additionalProperties: { $ref: "#/components/schemas/JsonValue" },
      // OpenAPI 3.1 (JSON Schema 2020-12) keyword the metadata type does not list.
      ...({ propertyNames: { maxLength: opts.maxKeyLength, pattern: NO_NUL } } as object),
    });
