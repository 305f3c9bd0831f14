// Refuses request bodies PostgreSQL could not store or our code could not walk (see
// safe-input/rules.ts) with a 422 naming each field, before any route sees them. It reads the
// body through Hono's cache, so the route's validator parses the same bytes again for free.
import { createMiddleware } from "hono/factory";
import { type InputIssue, inspectJson, MAX_JSON_DEPTH } from "./rules.ts";
import { ProblemError } from "../lib/problem.ts";

const JSON_TYPE = /^application\/([\w.-]+\+)?json$/i;
const FORM_TYPE = /^(application\/x-www-form-urlencoded|multipart\/form-data)$/i;
const WITH_BODY = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export function safeInput(opts: { maxDepth?: number } = {}) {
  const maxDepth = opts.maxDepth ?? MAX_JSON_DEPTH;
  if (!Number.isInteger(maxDepth) || maxDepth < 1) throw new Error("safeInput: bad maxDepth");
  return createMiddleware(async (c, next) => {
    if (!WITH_BODY.has(c.req.method)) return await next();
    const mediaType = (c.req.header("Content-Type") ?? "").split(";")[0].trim();
    let issues: InputIssue[] = [];
    if (JSON_TYPE.test(mediaType)) {
      // Malformed JSON is left to the route's validator, which answers 400.
      const parsed = await c.req.json().then((value) => ({ value }), () => undefined);
      if (parsed) issues = inspectJson(parsed.value, "body", maxDepth);
    } else if (FORM_TYPE.test(mediaType)) {
      const form = await c.req.parseBody({ all: true }).catch(() => undefined);
      // The parse is cached, failures included: say 400 here, or the validator meets the
      // cached rejection later as an unexpected error (multipart without a boundary).
      if (!form) throw new ProblemError(400, "The form body cannot be parsed.");
      issues = inspectJson(form, "body", maxDepth);
    }
    if (issues.length > 0) {
      throw new ProblemError(422, "The request contains text that cannot be accepted.", {
        errors: issues,
      });
    }
    await next();
  });
}
