// The OpenAPI document declares every status each route can answer.
import { ok, strictEqual } from "node:assert/strict";
import { EMAIL_PATTERN } from "../../api/auth/auth.routes.ts";
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

test("the document states exactly what the validators accept", async () => {
  const spec = await (await t.get("/openapi.json")).json();
  const { CreateOrder, Register, JsonValue } = spec.components.schemas;
  strictEqual(CreateOrder.properties.order_price.multipleOf, 0.01);
  strictEqual(CreateOrder.properties.order_price.maximum, 999_999_999_999.99);
  strictEqual(CreateOrder.properties.items.maxProperties, 500);
  strictEqual(CreateOrder.properties.items.propertyNames.maxLength, 200);
  strictEqual(
    CreateOrder.properties.items.additionalProperties.$ref,
    "#/components/schemas/JsonValue",
  );
  ok(
    JsonValue.anyOf.some((s: { type: string; pattern?: string }) =>
      s.type === "string" && s.pattern
    ),
  );
  // The email pattern is the validator's own, and no `format` that means something else.
  strictEqual(Register.properties.email.pattern, EMAIL_PATTERN);
  strictEqual(Register.properties.email.format, undefined);
  strictEqual(Register.properties.password.maxLength, 72);
  const form =
    spec.paths["/auth/token"].post.requestBody.content["application/x-www-form-urlencoded"]
      .schema;
  for (const field of ["username", "password", "refresh_token"]) {
    strictEqual(form.properties[field].pattern, "^[^\\x00]*$", field);
  }
});

test("what the email pattern accepts is exactly what registration accepts", async () => {
  const pattern = new RegExp(EMAIL_PATTERN);
  const samples = [
    "a@b.co",
    "first.last+tag@sub.example.org",
    "edypj+|~=-@4.else.net",
    "no-at-sign",
    "a@b",
    "a@-b.com",
    "a b@c.de",
    "ü@example.com",
  ];
  for (const email of samples) {
    const res = await t.json("POST", "/register", {
      email: email.includes("@")
        ? email.replace("@", `${crypto.randomUUID().slice(0, 8)}@`)
        : email,
      password: "password-123",
    });
    const accepted = res.status === 201;
    await res.body?.cancel();
    strictEqual(accepted, pattern.test(email), email);
  }
});
