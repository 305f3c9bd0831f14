// Swagger UI at /docs with its assets served by the service itself (works offline), the
// AsyncAPI document of the events at /asyncapi.json, and the
// OAuth2 password flow wired to /auth/token so the Authorize button works. Each asset is read
// from disk once, on its first request, and then served from memory with an ETag: a browser
// that has it gets a 304 without the 1.7 MB body.
import { swaggerUI } from "@hono/swagger-ui";
import { Hono } from "hono";
// Only the path helper: the package's main module would load the whole UI bundle into this
// process (about 30 MB of heap) for nothing.
import getAbsoluteFSPath from "swagger-ui-dist/absolute-path.js";
import { asyncApiDocument } from "../../common/events/asyncapi.ts";

const ASSETS: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
};

interface Asset {
  body: Uint8Array<ArrayBuffer>;
  etag: string;
}

async function loadAsset(path: string): Promise<Asset> {
  const body = await Deno.readFile(path);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", body));
  const hex = Array.from(digest.slice(0, 12), (b) => b.toString(16).padStart(2, "0")).join("");
  return { body, etag: `"${hex}"` };
}

/** True when the If-None-Match header names `etag` (or is `*`). */
function matches(ifNoneMatch: string | undefined, etag: string) {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(",").some((tag) => {
    const t = tag.trim().replace(/^W\//, "");
    return t === "*" || t === etag;
  });
}

export function docsRouter() {
  const dir = getAbsoluteFSPath();
  const loaded = new Map<string, Promise<Asset>>();
  const router = new Hono();
  router.get("/docs/assets/swagger-ui-dist/:file", async (c) => {
    const name = c.req.param("file");
    const type = ASSETS[name];
    if (!type) return c.notFound();
    let asset = loaded.get(name);
    if (!asset) {
      asset = loadAsset(`${dir}/${name}`);
      loaded.set(name, asset);
      asset.catch(() => loaded.delete(name)); // a failed read is retried next time
    }
    const { body, etag } = await asset;
    const headers = { "ETag": etag, "Cache-Control": "public, max-age=86400" };
    if (matches(c.req.header("If-None-Match"), etag)) return c.body(null, 304, headers);
    return c.body(body, 200, { ...headers, "Content-Type": type });
  });
  // The event contract beside /openapi.json (docs/asyncapi.json is the same document).
  const asyncApi = JSON.stringify(asyncApiDocument());
  router.get(
    "/asyncapi.json",
    (c) => c.body(asyncApi, 200, { "Content-Type": "application/json" }),
  );
  router.get(
    "/docs",
    swaggerUI({ url: "/openapi.json", baseUrl: "/docs/assets", persistAuthorization: true }),
  );
  return router;
}
