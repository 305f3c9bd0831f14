// Route definitions for registration and tokens.
import { createRoute, z } from "@hono/zod-openapi";
import { BEARER, COMMON_PROBLEMS, problems, text } from "../lib/openapi.ts";
import { requireContentType } from "../middleware/content-type.ts";

export const utf8Length = (value: string) => new TextEncoder().encode(value).length;

/** bcrypt only reads the first 72 bytes; longer passwords would be silently truncated. */
export const MAX_PASSWORD_BYTES = 72;
const PASSWORD_NOTE = `At most ${MAX_PASSWORD_BYTES} bytes in UTF-8 (bcrypt's limit); longer ` +
  "passwords are refused with 422, never truncated.";

/**
 * The email syntax the API enforces, stated as-is in the OpenAPI document (no `format`, whose
 * meaning differs between validators): a local part of common characters, then a domain of
 * at least two dot-separated labels. Stored and returned lowercased.
 */
export const EMAIL_PATTERN = "^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*" +
  "[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$";
const EMAIL = new RegExp(EMAIL_PATTERN);

export const RegisterBody = z.object({
  email: z.string().max(320).regex(EMAIL, "Invalid email address")
    .openapi({ example: "user@example.com", pattern: EMAIL_PATTERN }),
  password: text().min(8).max(MAX_PASSWORD_BYTES)
    .refine((p) => utf8Length(p) <= MAX_PASSWORD_BYTES, `at most ${MAX_PASSWORD_BYTES} bytes`)
    .openapi({ description: PASSWORD_NOTE, example: "correct horse battery staple" }),
}).strict().openapi("Register");

const UserSchema = z.object({ id: z.string(), email: z.string() }).openapi("User");
const MeSchema = UserSchema.extend({ role: z.enum(["user", "admin"]) }).openapi("Me");

export const TokenForm = z.object({
  grant_type: z.enum(["password", "refresh_token"]).default("password"),
  username: text().max(320).optional(),
  // Checked by the handler for the password grant: at most 72 bytes, as at registration.
  password: text().max(MAX_PASSWORD_BYTES).optional().openapi({ description: PASSWORD_NOTE }),
  refresh_token: text().max(4096).optional(),
  // Sent by OAuth2 clients such as Swagger UI; accepted and ignored.
  scope: text().max(1024).optional(),
  client_id: text().max(1024).optional(),
  client_secret: text().max(1024).optional(),
}).strict();

const TokenPair = z.object({
  access_token: z.string(),
  refresh_token: z.string(),
  token_type: z.literal("bearer"),
  expires_in: z.number().int().openapi({ description: "Access-token lifetime in seconds" }),
}).openapi("TokenPair");

export const registerRoute = createRoute({
  method: "post",
  path: "/register",
  tags: ["auth"],
  summary: "Create an account",
  middleware: [requireContentType("json")] as const,
  request: { body: { required: true, content: { "application/json": { schema: RegisterBody } } } },
  responses: {
    201: { description: "Created", content: { "application/json": { schema: UserSchema } } },
    ...problems(...COMMON_PROBLEMS, 409, 413, 415),
  },
});

export const tokenRoute = createRoute({
  method: "post",
  path: "/auth/token",
  tags: ["auth"],
  summary: "OAuth2 token endpoint: password grant, or refresh_token grant (rotation)",
  middleware: [requireContentType("form")] as const,
  request: {
    body: {
      required: true,
      content: { "application/x-www-form-urlencoded": { schema: TokenForm } },
    },
  },
  responses: {
    200: {
      description: "A new token pair",
      content: { "application/json": { schema: TokenPair } },
    },
    ...problems(...COMMON_PROBLEMS, 401, 413, 415),
  },
});

export const logoutRoute = createRoute({
  method: "post",
  path: "/auth/logout",
  tags: ["auth"],
  summary: "Revoke the caller's refresh-token family",
  security: BEARER,
  responses: { 204: { description: "Logged out" }, ...problems(...COMMON_PROBLEMS, 401) },
});

export const meRoute = createRoute({
  method: "get",
  path: "/auth/me",
  tags: ["auth"],
  summary: "The caller's account",
  security: BEARER,
  responses: {
    200: { description: "The caller", content: { "application/json": { schema: MeSchema } } },
    ...problems(...COMMON_PROBLEMS, 401),
  },
});
