// Logout and reuse detection also end the session's access tokens, which are otherwise valid
// until they expire: `revoked:sid:<sid>` = "1" in Redis, kept for one access-token lifetime
// (no access token of that session outlives it). The request's single Redis round trip
// (middleware/hot-path.ts) reads the key, and `authenticate` answers 401 for a revoked session.
import type { Redis } from "../redis.ts";

export const revokedSessionKey = (sid: string) => `revoked:sid:${sid}`;

/** Writes the denylist entry; rejects when Redis is unreachable (callers log and go on). */
export async function revokeSessionAccess(
  redis: Redis,
  sid: string,
  accessTtlSeconds: number,
): Promise<void> {
  if (!sid) throw new Error("revokeSessionAccess: sid is required");
  if (!Number.isInteger(accessTtlSeconds) || accessTtlSeconds < 1) {
    throw new Error("revokeSessionAccess: accessTtlSeconds must be a positive integer");
  }
  await redis.run((c) => c.set(revokedSessionKey(sid), "1", { EX: accessTtlSeconds }));
}
