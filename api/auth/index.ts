// The auth resource: registration, the OAuth2 token endpoint, logout and /auth/me.
export { type AuthDeps, authRouter } from "./auth.handlers.ts";
export { authLimits } from "./login-limit.ts";
export { REVOCATIONS_COMPLETE_KEY, revokedSessionKey } from "./session-revocation.ts";
