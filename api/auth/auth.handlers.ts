// Handlers for registration, the OAuth2 token endpoint (password and refresh grants),
// logout and /auth/me.
import {
  findUserByEmail,
  findUserById,
  insertRefreshToken,
  insertUser,
  revokeFamily,
  rotateRefreshToken,
  updatePasswordHash,
  type UserRow,
} from "./auth.repo.ts";
import { accountKey, createAccountLockout, lockedOut } from "./account-lockout.ts";
import { InvalidTokenError } from "./tokens.ts";
import { createRouter } from "../lib/openapi.ts";
import { ProblemError } from "../lib/problem.ts";
import { uuidv7 } from "../lib/uuid.ts";
import { authenticate, type AuthEnv } from "./authenticate.ts";
import { clientIpResolver } from "../client-ip/middleware.ts";
import type { Config } from "../config.ts";
import type { Sql } from "../platform/db.ts";
import type { Redis } from "../platform/redis.ts";
import type { Log } from "../../common/logger.ts";
import type { Passwords } from "./passwords.ts";
import type { Revocations } from "./session-revocation.ts";
import type { Tokens } from "./tokens.ts";
import {
  logoutRoute,
  MAX_PASSWORD_BYTES,
  meRoute,
  registerRoute,
  tokenRoute,
  utf8Length,
} from "./auth.routes.ts";
import { errorFields } from "../../common/logger.ts";

const BAD_CREDENTIALS = "Incorrect email or password.";
const BAD_REFRESH = "The refresh token is not valid.";

const required = (fields: string[], detail: string) =>
  new ProblemError(422, detail, {
    errors: fields.map((field) => ({ path: `body.${field}`, message: "Required" })),
  });

/** What the auth routes need from the outside world. */
export interface AuthDeps {
  config: Config;
  sql: Sql;
  redis: Redis;
  /** Logged-out sessions: recorded, pushed to Redis, checked (session-revocation.ts). */
  revocations: Revocations;
  passwords: Passwords;
  tokens: Tokens;
  log: Log;
}

export function authRouter({ sql, redis, revocations, passwords, tokens, config, log }: AuthDeps) {
  const router = createRouter<AuthEnv>();
  const limits = config.rateLimit;
  const clientIp = clientIpResolver(limits.trustedProxies);
  const lockout = createAccountLockout({
    redis,
    rate: limits.loginAccount,
    log,
    enabled: limits.enabled,
  });

  async function signPair(user: Pick<UserRow, "id" | "role">, familyId: string, jti: string) {
    const access = await tokens.sign("access", {
      sub: user.id,
      jti: crypto.randomUUID(),
      sid: familyId,
      role: user.role,
    });
    const refresh = await tokens.sign("refresh", { sub: user.id, jti, sid: familyId });
    return {
      access_token: access.token,
      refresh_token: refresh.token,
      token_type: "bearer" as const,
      expires_in: access.expiresIn,
    };
  }

  /** A hash made with an older BCRYPT_COST is redone now that we know the password. */
  async function rehashIfOld(user: UserRow, password: string) {
    if (!passwords.needsRehash(user.password_hash)) return;
    try {
      const newHash = await passwords.hash(password);
      await updatePasswordHash(sql, { id: user.id, oldHash: user.password_hash, newHash });
    } catch (error) {
      log("warning", "password rehash failed; will retry at the next login", {
        user_id: user.id,
        ...errorFields(error),
      });
    }
  }

  router.openapi(registerRoute, async (c) => {
    const { email, password } = c.req.valid("json");
    const hash = await passwords.hash(password);
    try {
      const user = await insertUser(sql, {
        id: uuidv7(),
        email: email.toLowerCase(),
        password_hash: hash,
      });
      return c.json(user, 201);
    } catch (error) {
      if ((error as { code?: string }).code === "23505") {
        throw new ProblemError(409, "An account with this email already exists.");
      }
      throw error;
    }
  });

  router.openapi(tokenRoute, async (c) => {
    const form = c.req.valid("form");
    if (form.grant_type === "refresh_token") {
      if (!form.refresh_token) {
        throw required(["refresh_token"], "refresh_token is required for this grant.");
      }
      const claims = await tokens.verify("refresh", form.refresh_token).catch((error) => {
        if (error instanceof InvalidTokenError) throw new ProblemError(401, BAD_REFRESH);
        throw error;
      });
      const newJti = crypto.randomUUID();
      const outcome = await rotateRefreshToken(sql, {
        jti: claims.jti,
        newJti,
        ttlSeconds: config.jwt.refreshTtlSeconds,
        accessTtlSeconds: config.jwt.accessTtlSeconds,
      });
      if (!outcome.ok) {
        if (outcome.reused) {
          log("warning", "refresh token reuse: family revoked", { user_id: claims.sub });
          await revocations.push(claims.sid);
        }
        throw new ProblemError(401, BAD_REFRESH);
      }
      return c.json(await signPair(outcome.user, outcome.familyId, newJti), 200);
    }
    const missing = (["username", "password"] as const).filter((field) => !form[field]);
    if (missing.length > 0) throw required(missing, "username and password are required.");
    const password = form.password!;
    if (utf8Length(password) > MAX_PASSWORD_BYTES) {
      throw new ProblemError(422, "The request is invalid.", {
        errors: [{ path: "body.password", message: `at most ${MAX_PASSWORD_BYTES} bytes` }],
      });
    }
    const account = accountKey(form.username!);
    const admission = await lockout.admit(account, clientIp(c));
    if (!admission.check) throw lockedOut(limits.loginAccount, admission.retryAfterSeconds);
    const user = await findUserByEmail(sql, form.username!);
    // Unknown account and wrong password cost the same bcrypt work and give the same answer.
    const ok = user
      ? await passwords.verify(password, user.password_hash)
      : await passwords.verifyNothing(password);
    if (!user || !ok) {
      await lockout.failed(account);
      if (admission.overLimit) throw lockedOut(limits.loginAccount, admission.retryAfterSeconds);
      throw new ProblemError(401, BAD_CREDENTIALS);
    }
    await lockout.succeeded(account);
    await rehashIfOld(user, password);
    const familyId = crypto.randomUUID();
    const jti = crypto.randomUUID();
    await insertRefreshToken(sql, {
      jti,
      familyId,
      userId: user.id,
      ttlSeconds: config.jwt.refreshTtlSeconds,
    });
    return c.json(await signPair(user, familyId, jti), 200);
  });

  router.use("/auth/logout", authenticate(tokens, revocations));
  router.openapi(logoutRoute, async (c) => {
    const sid = c.get("user").sid;
    // The revocation is durable with the commit; Redis gets it before the answer when it
    // acknowledges in time, and from the repair otherwise (auth/session-revocation.ts).
    await revokeFamily(sql, sid, config.jwt.accessTtlSeconds);
    await revocations.push(sid);
    return c.body(null, 204);
  });

  router.use("/auth/me", authenticate(tokens, revocations));
  router.openapi(meRoute, async (c) => {
    const user = await findUserById(sql, c.get("user").id);
    if (!user) throw new ProblemError(401, "The account no longer exists.");
    return c.json({ id: user.id, email: user.email, role: user.role }, 200);
  });

  return router;
}
