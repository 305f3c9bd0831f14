// Users and refresh-token families in PostgreSQL.
import type { Sql, Tx } from "../platform/db.ts";
import { recordRevocation } from "./session-revocation.ts";

export interface UserRow {
  id: string;
  email: string;
  role: "user" | "admin";
  password_hash: string;
}

/** Emails are stored lowercased (see db/migrations); the index is on lower(email). */
export const findUserByEmail = async (sql: Sql, email: string) =>
  (await sql<UserRow[]>`
    select id, email, role, password_hash from users where lower(email) = lower(${email})`)[0];

export const findUserById = async (sql: Sql, id: string) =>
  (await sql<UserRow[]>`select id, email, role, password_hash from users where id = ${id}`)[0];

export async function insertUser(sql: Sql, user: Omit<UserRow, "role">) {
  const [row] = await sql<Pick<UserRow, "id" | "email">[]>`
    insert into users (id, email, password_hash)
    values (${user.id}, ${user.email}, ${user.password_hash})
    returning id, email`;
  return row;
}

export async function updatePasswordHash(
  sql: Sql,
  user: { id: string; oldHash: string; newHash: string },
) {
  // Only if nobody changed it meanwhile: a rehash must never undo a newer password.
  await sql`
    update users set password_hash = ${user.newHash}
    where id = ${user.id} and password_hash = ${user.oldHash}`;
}

export async function insertRefreshToken(
  sql: Sql | Tx,
  token: { jti: string; familyId: string; userId: string; ttlSeconds: number },
) {
  await sql`
    insert into refresh_tokens (jti, family_id, user_id, expires_at)
    values (${token.jti}, ${token.familyId}, ${token.userId},
            now() + make_interval(secs => ${token.ttlSeconds}))`;
}

/**
 * Holds the family's lock until the transaction ends. Rotation, reuse detection and logout
 * of one family therefore run one after another, and each statement after the lock sees what
 * the previous holder committed: a token inserted by a rotation cannot escape a concurrent
 * revocation. (Two-key form: its own key space, apart from the relay's one-key leader lock.)
 */
async function lockFamily(tx: Tx, familyId: string) {
  await tx`select pg_advisory_xact_lock(hashtext('refresh-family'), hashtext(${familyId}))`;
}

/** Revokes the family's refresh tokens and records the end of its access tokens with them. */
async function revokeLockedFamily(
  tx: Tx,
  familyId: string,
  accessTtlSeconds: number,
  opts: { recordAlways: boolean },
) {
  const revoked = await tx`
    update refresh_tokens set revoked_at = now()
    where family_id = ${familyId} and revoked_at is null`;
  if (revoked.count > 0 || opts.recordAlways) {
    await recordRevocation(tx, familyId, accessTtlSeconds);
  }
  return revoked.count;
}

export type RotateOutcome =
  | { ok: true; user: Pick<UserRow, "id" | "role">; familyId: string }
  | { ok: false; reused: boolean; familyId?: string };

/**
 * Exchanges refresh token `jti` for `newJti` in one transaction under the family lock. A token
 * that was already used or revoked means the family leaked: the whole family is revoked
 * (RFC 9700 §4.14.2), and the new token is never written.
 */
export function rotateRefreshToken(
  sql: Sql,
  input: { jti: string; newJti: string; ttlSeconds: number; accessTtlSeconds: number },
): Promise<RotateOutcome> {
  return sql.begin(async (tx): Promise<RotateOutcome> => {
    const [token] = await tx<{ family_id: string }[]>`
      select family_id from refresh_tokens where jti = ${input.jti}`;
    if (!token) return { ok: false, reused: false };
    const familyId = token.family_id;
    await lockFamily(tx, familyId);
    const [live] = await tx<{ user_id: string }[]>`
      update refresh_tokens set used_at = now()
      where jti = ${input.jti} and used_at is null and revoked_at is null and expires_at > now()
      returning user_id`;
    if (!live) {
      const revoked = await revokeLockedFamily(tx, familyId, input.accessTtlSeconds, {
        recordAlways: false,
      });
      return { ok: false, reused: revoked > 0, familyId };
    }
    const [user] = await tx<Pick<UserRow, "id" | "role">[]>`
      select id, role from users where id = ${live.user_id}`;
    await insertRefreshToken(tx, {
      jti: input.newJti,
      familyId,
      userId: user.id,
      ttlSeconds: input.ttlSeconds,
    });
    return { ok: true, user, familyId };
  });
}

/** Logout: revokes every token of the family, under the family lock, access tokens included. */
export function revokeFamily(sql: Sql, familyId: string, accessTtlSeconds: number) {
  return sql.begin(async (tx) => {
    await lockFamily(tx, familyId);
    return await revokeLockedFamily(tx, familyId, accessTtlSeconds, { recordAlways: true });
  });
}
