// JWTs per RFC 8725: HS256 only, iss/aud/exp/iat/jti always, and a token type in both the
// `typ` header and the `token_use` claim so access and refresh tokens can't stand in for each other.
import { errors as joseErrors, jwtVerify, SignJWT } from "jose";
import type { Config } from "../config.ts";

export type TokenUse = "access" | "refresh";
const TYP: Record<TokenUse, string> = { access: "at+jwt", refresh: "refresh+jwt" };
const ALGORITHMS = ["HS256"];

export interface TokenClaims {
  sub: string;
  jti: string;
  /** Refresh-token family, also carried by access tokens so logout can revoke it. */
  sid: string;
  role?: string;
  exp: number;
}

export class InvalidTokenError extends Error {
  override name = "InvalidTokenError";
}

export interface Tokens {
  sign(use: TokenUse, claims: { sub: string; jti: string; sid: string; role?: string }): Promise<
    { token: string; expiresIn: number }
  >;
  verify(use: TokenUse, token: string): Promise<TokenClaims>;
}

export function createTokens(config: Config["jwt"]): Tokens {
  // Imported once: handing jose raw bytes would import an HMAC key on every sign and verify.
  const key = crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(config.secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign", "verify"],
  );
  const ttl = { access: config.accessTtlSeconds, refresh: config.refreshTtlSeconds };
  // Verified access tokens, so a client's repeated requests pay the HMAC check once. A token
  // is immutable and its claims fixed, so a hit is valid until the token's own expiry.
  const verified = new Map<string, TokenClaims>();
  const MAX_VERIFIED = 10_000;
  return {
    async sign(use, { sub, jti, sid, role }) {
      const payload: Record<string, string> = { token_use: use, sid };
      if (role) payload.role = role;
      const token = await new SignJWT(payload)
        .setProtectedHeader({ alg: "HS256", typ: TYP[use] })
        .setSubject(sub)
        .setJti(jti)
        .setIssuer(config.issuer)
        .setAudience(config.audience)
        .setIssuedAt()
        .setExpirationTime(`${ttl[use]}s`)
        .sign(await key);
      return { token, expiresIn: ttl[use] };
    },
    async verify(use, token) {
      const known = use === "access" ? verified.get(token) : undefined;
      if (known && known.exp * 1000 > Date.now()) return known;
      try {
        const { payload } = await jwtVerify(token, await key, {
          algorithms: ALGORITHMS,
          issuer: config.issuer,
          audience: config.audience,
          typ: TYP[use],
          requiredClaims: ["sub", "jti", "exp", "iat"],
        });
        if (payload.token_use !== use || typeof payload.sid !== "string") {
          throw new InvalidTokenError(`not an ${use} token`);
        }
        const claims: TokenClaims = {
          sub: payload.sub!,
          jti: payload.jti!,
          sid: payload.sid,
          role: typeof payload.role === "string" ? payload.role : undefined,
          exp: payload.exp!,
        };
        if (use === "access") {
          if (verified.size >= MAX_VERIFIED) verified.delete(verified.keys().next().value!);
          verified.set(token, claims);
        }
        return claims;
      } catch (error) {
        if (error instanceof InvalidTokenError) throw error;
        if (error instanceof joseErrors.JOSEError) {
          throw new InvalidTokenError(
            error instanceof joseErrors.JWTExpired ? "token expired" : "invalid token",
          );
        }
        throw error;
      }
    },
  };
}
