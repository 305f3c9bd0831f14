// Conditional requests on an order (RFC 9110 §13): its ETag is its version, which every
// change bumps, so a tag names one state of the order. GET and HEAD honour If-None-Match
// (weak comparison: 304), PATCH honours If-Match (strong comparison: 412 when stale).
import { z } from "@hono/zod-openapi";

export const etagOf = (version: number) => `"${version}"`;

interface EntityTag {
  weak: boolean;
  opaque: string;
}

// One list element: optional W/, a quoted opaque tag of etagc characters (§8.8.3; header
// values arrive as Latin-1, so obs-text is \x80-\xFF), then a comma or the end.
const ELEMENT = /^[ \t]*(W\/)?"([\x21\x23-\x7E\x80-\xFF]*)"[ \t]*(?:,|$)/;

/** `*`, the listed tags, or null when the header is not a valid list of entity tags. */
export function parseEntityTags(header: string): "*" | EntityTag[] | null {
  if (header.trim() === "*") return "*";
  const tags: EntityTag[] = [];
  let rest = header;
  for (;;) {
    rest = rest.replace(/^[ \t,]+/, ""); // empty list elements are allowed
    if (rest === "") return tags.length > 0 ? tags : null;
    const match = ELEMENT.exec(rest);
    if (!match) return null;
    tags.push({ weak: match[1] !== undefined, opaque: match[2] });
    rest = rest.slice(match[0].length);
  }
}

const opaqueOf = (etag: string) => etag.slice(1, -1);

/**
 * If-Match against an existing order's tag: `*` matches, a strong tag equal to it matches; a
 * weak tag never does, and neither does a malformed header (the request then gets 412).
 */
export function ifMatchPasses(header: string, etag: string): boolean {
  const tags = parseEntityTags(header);
  if (tags === "*") return true;
  return tags?.some((tag) => !tag.weak && tag.opaque === opaqueOf(etag)) ?? false;
}

/**
 * If-None-Match against an existing order's tag: true when the client's copy is current (`*`,
 * or any tag equal to it, weak or not). A malformed header matches nothing: the full answer.
 */
export function ifNoneMatchHits(header: string | null | undefined, etag: string): boolean {
  if (!header) return false;
  const tags = parseEntityTags(header);
  if (tags === "*") return true;
  return tags?.some((tag) => tag.opaque === opaqueOf(etag)) ?? false;
}

// How the routes (orders.routes.ts) declare it in the OpenAPI document.
export const ETAG_HEADER = z.object({
  ETag: z.string().openapi({
    description: 'The order\'s version as a strong entity tag, e.g. `"3"` (RFC 9110 §8.8.3); ' +
      "every status change bumps it, a no-op PATCH keeps it.",
    example: '"3"',
  }),
});

export const IF_NONE_MATCH = z.object({
  "if-none-match": z.string().optional().openapi({
    description: "ETags of copies the client holds (or `*`): 304 when one is current (weak " +
      "comparison). A malformed value is ignored.",
  }),
});

export const NOT_MODIFIED = {
  description: "Not modified: the client's copy (If-None-Match) is current; no body",
  headers: ETAG_HEADER,
};

/** The same problems, declared without a body: a HEAD answer has none. */
export const bodiless = <S extends number>(entries: Record<S, { description: string }>) =>
  Object.fromEntries(
    Object.entries(entries).map(([status, entry]) => [status, {
      description: (entry as { description: string }).description,
    }]),
  ) as Record<S, { description: string }>;
