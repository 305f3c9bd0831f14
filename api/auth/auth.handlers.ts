// Handlers for registration, the OAuth2 token endpoint (password and refresh grants),
// logout and /auth/me.
import {
  findUserByEmail,
  findUserById,
  insertRefreshToken,
  insertUser,
  retireRefreshToken,
  revokeFamily,
} from "./auth.repo.ts";
import { InvalidTokenError } from "./tokens.ts";
import { createRouter } from "../lib/openapi.ts";
import { ProblemError } from "../lib/problem.ts";
import { uuidv7 } from "../lib/uuid.ts";
import { authenticate } from "../middleware/authenticate.ts";
import type { AppDeps } from "../types.ts";
import { logoutRoute, meRoute, registerRoute, tokenRoute } from "./auth.routes.ts";

const BAD_CREDENTIALS = "Incorrect email or password.";
const BAD_REFRESH = "The refresh token is not valid.";

export function authRouter({ sql, passwords, tokens, config, log }: AppDeps) {
  const router = createRouter();

  async function issuePair(
    user: { id: string; role: string },
    familyId: string = crypto.randomUUID(),
  ) {
    const refreshJti = crypto.randomUUID();
    await insertRefreshToken(sql, {
      jti: refreshJti,
      familyId,
      userId: user.id,
      ttlSeconds: config.jwt.refreshTtlSeconds,
    });
    const access = await tokens.sign("access", {
      sub: user.id,
      jti: crypto.randomUUID(),
      sid: familyId,
      role: user.role,
    });
    const refresh = await tokens.sign("refresh", { sub: user.id, jti: refreshJti, sid: familyId });
    return {
      access_token: access.token,
      refresh_token: refresh.token,
      token_type: "bearer" as const,
      expires_in: access.expiresIn,
    };
  }

  router.openapi(registerRoute, async (c) => {
    const { email, password } = c.req.valid("json");
    const hash = await passwords.hash(password);
    try {
      const user = await insertUser(sql, { id: uuidv7(), email, password_hash: hash });
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
        throw new ProblemError(422, "refresh_token is required for this grant.", {
          errors: [{ path: "body.refresh_token", message: "Required" }],
        });
      }
      const claims = await tokens.verify("refresh", form.refresh_token).catch((error) => {
        if (error instanceof InvalidTokenError) throw new ProblemError(401, BAD_REFRESH);
        throw error;
      });
      const outcome = await retireRefreshToken(sql, claims.jti);
      if (!outcome.ok) {
        if (outcome.reused) {
          log("warning", "refresh token reuse: family revoked", { user_id: claims.sub });
        }
        throw new ProblemError(401, BAD_REFRESH);
      }
      const user = await findUserById(sql, outcome.userId);
      if (!user) throw new ProblemError(401, BAD_REFRESH);
      return c.json(await issuePair(user, outcome.familyId), 200);
    }
    const missing = (["username", "password"] as const).filter((field) => !form[field]);
    if (missing.length > 0) {
      throw new ProblemError(422, "username and password are required.", {
        errors: missing.map((field) => ({ path: `body.${field}`, message: "Required" })),
      });
    }
    const user = await findUserByEmail(sql, form.username!);
    // Unknown account and wrong password cost the same bcrypt work and give the same answer.
    const ok = user
      ? await passwords.verify(form.password!, user.password_hash)
      : await passwords.verifyNothing(form.password!);
    if (!user || !ok) throw new ProblemError(401, BAD_CREDENTIALS);
    return c.json(await issuePair(user), 200);
  });

  router.use("/auth/logout", authenticate(tokens));
  router.openapi(logoutRoute, async (c) => {
    await revokeFamily(sql, c.get("user").sid);
    return c.body(null, 204);
  });

  router.use("/auth/me", authenticate(tokens));
  router.openapi(meRoute, async (c) => {
    const user = await findUserById(sql, c.get("user").id);
    if (!user) throw new ProblemError(401, "The account no longer exists.");
    return c.json({ id: user.id, email: user.email, role: user.role }, 200);
  });

  return router;
}
