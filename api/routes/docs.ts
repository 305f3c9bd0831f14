// Swagger UI at /docs with its assets served by the service itself (works offline), and the
// OAuth2 password flow wired to /auth/token so the Authorize button works.
import { swaggerUI } from "@hono/swagger-ui";
import { Hono } from "hono";
import { getAbsoluteFSPath } from "swagger-ui-dist";
import type { AppEnv } from "../types.ts";

const ASSETS: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
};

export function docsRouter() {
  const dir = getAbsoluteFSPath();
  const files = new Map(
    Object.entries(ASSETS).map(([name, type]) => [name, {
      body: Deno.readFileSync(`${dir}/${name}`),
      type,
    }]),
  );
  const router = new Hono<AppEnv>();
  router.get("/docs/assets/swagger-ui-dist/:file", (c) => {
    const file = files.get(c.req.param("file"));
    if (!file) return c.notFound();
    return c.body(file.body, 200, {
      "Content-Type": file.type,
      "Cache-Control": "public, max-age=86400",
    });
  });
  router.get(
    "/docs",
    swaggerUI({ url: "/openapi.json", baseUrl: "/docs/assets", persistAuthorization: true }),
  );
  return router;
}
