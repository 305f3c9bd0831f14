// 415 for a body of the wrong media type, before any parsing.
import { createMiddleware } from "hono/factory";
import { ProblemError } from "../lib/problem.ts";

const KINDS = {
  json: { test: /^application\/([a-z0-9.+-]+\+)?json\s*(;|$)/i, label: "application/json" },
  form: {
    test: /^(application\/x-www-form-urlencoded|multipart\/form-data)\s*(;|$)/i,
    label: "application/x-www-form-urlencoded",
  },
} as const;

export function requireContentType(kind: keyof typeof KINDS) {
  const expected = KINDS[kind];
  if (!expected) throw new Error(`requireContentType: unknown kind "${kind}"`);
  return createMiddleware(async (c, next) => {
    const type = c.req.header("Content-Type") ?? "";
    if (!expected.test.test(type)) {
      throw new ProblemError(415, `Send the body as ${expected.label}.`);
    }
    await next();
  });
}
