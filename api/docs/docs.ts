// Swagger UI at /docs with its assets served by the service itself (works offline), and the
// OAuth2 password flow wired to /auth/token so the Authorize button works.
import { swaggerUI } from "@hono/swagger-ui";
import { Hono } from "hono";
// Only the path helper: the package's main module would load the whole UI bundle into this
// process (about 30 MB of heap) for nothing.
import getAbsoluteFSPath from "swagger-ui-dist/absolute-path.js";
import type { AppEnv } from "../types.ts";

const ASSETS: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
};

export function docsRouter() {
  const dir = getAbsoluteFSPath();
  const router = new Hono<AppEnv>();
  router.get("/docs/assets/swagger-ui-dist/:file", async (c) => {
    const name = c.req.param("file");
    const type = ASSETS[name];
    if (!type) return c.notFound();
    // Read on demand (browsers cache it for a day) rather than held in memory for a page
    // few requests ever need.
    return c.body(await Deno.readFile(`${dir}/${name}`), 200, {
      "Content-Type": type,
      "Cache-Control": "public, max-age=86400",
    });
  });
  router.get(
    "/docs",
    swaggerUI({ url: "/openapi.json", baseUrl: "/docs/assets", persistAuthorization: true }),
  );
  return router;
}
