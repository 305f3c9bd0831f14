// The auth resource: registration, the OAuth2 token endpoint, logout and /auth/me.
export { authRouter } from "./auth.handlers.ts";
export { authLimits } from "./login-limit.ts";
