// The headers every response carries: the request id and the security headers, which
// hot-path/finish.ts writes on the finished response, after the handler: in Deno a header
// given before the response exists goes through a Headers object that is then copied into the
// Response, which cost a cached GET more than a dozen microseconds; set on the Response it is
// a fraction of that (bench/PROFILE.md). The same reason has the rate-limit headers set after
// the handler.

/** What hot-path/finish.ts puts on the context: the request id, for the log and handlers. */
export type RequestIdEnv = { Variables: { requestId: string } };

const REQUEST_ID = /^[\w\-=]{1,255}$/;

/** The caller's request id when it is a safe token, else a new one. */
export const requestIdFrom = (given: string | null | undefined): string =>
  given != null && REQUEST_ID.test(given) ? given : crypto.randomUUID();

/**
 * What a JSON API's responses need (OWASP REST Security Cheat Sheet): no MIME sniffing, no
 * framing, HTTPS only, and no cross-origin embedding of the JSON. Each header costs Deno about
 * 1.5 µs per response to write (a hello world with 16 more headers ran at 24k instead of 58k
 * req/s, bench/PROFILE.md), so the ones that only concern browser documents (Hono's
 * `secureHeaders()` sent eleven) go on HTML responses only: the `/docs` page.
 */
export const SECURITY_HEADERS: readonly (readonly [string, string])[] = [
  ["Strict-Transport-Security", "max-age=15552000; includeSubDomains"],
  ["X-Content-Type-Options", "nosniff"],
  ["X-Frame-Options", "DENY"],
  ["Cross-Origin-Resource-Policy", "same-origin"],
];

export const DOCUMENT_HEADERS: readonly (readonly [string, string])[] = [
  ["Cross-Origin-Opener-Policy", "same-origin"],
  ["Origin-Agent-Cluster", "?1"],
  ["Referrer-Policy", "no-referrer"],
  ["X-DNS-Prefetch-Control", "off"],
  ["X-Permitted-Cross-Domain-Policies", "none"],
];
