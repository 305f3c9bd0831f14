// The OpenAPI document declares every status each route can answer.
import { ok, strictEqual } from "node:assert/strict";
import { createTestApp, test } from "../helpers/app.ts";

const t = createTestApp();

test("every bearer route declares 401, 422, 429 and 503; the document is 3.1", async () => {
  const spec = await (await t.get("/openapi.json")).json();
  strictEqual(spec.openapi, "3.1.0");
  let bearerRoutes = 0;
  for (
    const [path, methods] of Object.entries<
      Record<string, { security?: unknown; responses: Record<string, unknown> }>
    >(spec.paths)
  ) {
    for (const [method, op] of Object.entries(methods)) {
      const codes = Object.keys(op.responses);
      if (op.security) {
        bearerRoutes++;
        for (const code of ["401", "422", "429", "503"]) {
          ok(codes.includes(code), `${method} ${path} lacks ${code}`);
        }
      }
      if (path.includes("{order_id}")) ok(codes.includes("404"), `${method} ${path} lacks 404`);
    }
  }
  ok(bearerRoutes >= 6);
  ok(spec.paths["/orders"].post.responses["409"]);
  ok(spec.paths["/orders/{order_id}"].patch.responses["409"]);
  ok(spec.paths["/orders/user/{user_id}"].get.responses["403"]);
});
