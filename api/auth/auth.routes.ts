// Route definitions for registration and tokens.
import { createRoute, z } from "@hono/zod-openapi";
import { BEARER, COMMON_PROBLEMS, problems } from "../lib/openapi.ts";
import { requireContentType } from "../middleware/content-type.ts";

const utf8Length = (text: string) => new TextEncoder().encode(text).length;

export const RegisterBody = z.object({
  email: z.email().max(320).openapi({ example: "user@example.com" }),
  // bcrypt only reads the first 72 bytes; longer passwords would be silently truncated.
  password: z.string().min(8).refine((p) => utf8Length(p) <= 72, "at most 72 bytes")
    .openapi({ example: "correct horse battery staple" }),
}).strict().openapi("Register");

const UserSchema = z.object({ id: z.string(), email: z.string() }).openapi("User");
const MeSchema = UserSchema.extend({ role: z.enum(["user", "admin"]) }).openapi("Me");

export const TokenForm = z.object({
  grant_type: z.enum(["password", "refresh_token"]).default("password"),
  username: z.string().max(320).optional(),
  password: z.string().max(1024).optional(),
  refresh_token: z.string().max(4096).optional(),
  // Sent by OAuth2 clients such as Swagger UI; accepted and ignored.
  scope: z.string().optional(),
  client_id: z.string().optional(),
  client_secret: z.string().optional(),
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
