// A known path asked with a method it does not have gets 405 problem+json with `Allow`
// (RFC 9110 §15.5.6) instead of a 404, before authentication or body parsing. OPTIONS on a
// known path answers 204 with `Allow` (CORS preflights are answered by the CORS middleware,
// which runs first when enabled).
import { createMiddleware } from "hono/factory";
import { problemResponse } from "../lib/problem.ts";

export interface RouteInfo {
  method: string;
  path: string;
}

function toPattern(path: string): RegExp {
  const source = path.split("/").map((part) =>
    part.startsWith(":") ? "[^/]+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
  ).join("/");
  return new RegExp(`^${source}$`);
}

/** Path patterns → methods, built from the app's routes on first use (after registration). */
function methodTable(routes: readonly RouteInfo[]) {
  const table = new Map<string, { pattern: RegExp; methods: Set<string> }>();
  for (const { method, path } of routes) {
    if (method === "ALL" || path.includes("*")) continue; // middleware, not routes
    const entry = table.get(path) ?? { pattern: toPattern(path), methods: new Set<string>() };
    entry.methods.add(method.toUpperCase());
    if (method.toUpperCase() === "GET") entry.methods.add("HEAD"); // Hono answers HEAD itself
    table.set(path, entry);
  }
  return [...table.values()];
}

function servedPatterns(table: ReturnType<typeof methodTable>): Map<string, RegExp> {
  const sources = new Map<string, string[]>();
  for (const { pattern, methods } of table) {
    for (const method of methods) {
      const list = sources.get(method) ?? [];
      list.push(`(?:${pattern.source})`);
      sources.set(method, list);
    }
  }
  return new Map([...sources].map(([method, list]) => [method, new RegExp(list.join("|"))]));
}

export function methodNotAllowed(routes: () => readonly RouteInfo[]) {
  if (typeof routes !== "function") throw new Error("methodNotAllowed: routes is required");
  let table: ReturnType<typeof methodTable> | undefined;
  // Per method, one pattern of every path that has it: the common case (a known method on a
  // known path) costs one regex test instead of a scan of the table.
  let served: Map<string, RegExp> | undefined;
  return createMiddleware(async (c, next) => {
    table ??= methodTable(routes());
    served ??= servedPatterns(table);
    const method = c.req.method.toUpperCase();
    if (served.get(method)?.test(c.req.path)) return await next();
    // No path with this method matched: a known path means 405, an unknown one is the 404's.
    const matching = table.filter((entry) => entry.pattern.test(c.req.path));
    if (matching.length === 0) return await next();
    const allowed = [...new Set(matching.flatMap((entry) => [...entry.methods]))];
    const allow = [...allowed, "OPTIONS"].join(", ");
    if (method === "OPTIONS") return c.body(null, 204, { Allow: allow });
    return problemResponse(c, 405, `${method} is not allowed on ${c.req.path}.`, {}, {
      Allow: allow,
    });
  });
}
