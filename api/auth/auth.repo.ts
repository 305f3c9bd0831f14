// Users and refresh-token families in PostgreSQL.
import type { Sql } from "../db.ts";

export interface UserRow {
  id: string;
  email: string;
  role: "user" | "admin";
  password_hash: string;
}

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

export async function insertRefreshToken(
  sql: Sql,
  token: { jti: string; familyId: string; userId: string; ttlSeconds: number },
) {
  await sql`
    insert into refresh_tokens (jti, family_id, user_id, expires_at)
    values (${token.jti}, ${token.familyId}, ${token.userId},
            now() + make_interval(secs => ${token.ttlSeconds}))`;
}

export type RotateOutcome =
  | { ok: true; userId: string; familyId: string }
  | { ok: false; reused: boolean };

/**
 * Retires a refresh token. A token that was already used or revoked means the family leaked:
 * the whole family is revoked (RFC 9700 §4.14.2). Concurrent rotations of one token serialise
 * on its row lock, so exactly one wins and the other counts as reuse.
 */
export function retireRefreshToken(sql: Sql, jti: string): Promise<RotateOutcome> {
  return sql.begin(async (tx) => {
    const [live] = await tx<{ user_id: string; family_id: string }[]>`
      update refresh_tokens set used_at = now()
      where jti = ${jti} and used_at is null and revoked_at is null and expires_at > now()
      returning user_id, family_id`;
    if (live) return { ok: true, userId: live.user_id, familyId: live.family_id };
    const revoked = await tx`
      update refresh_tokens set revoked_at = now()
      where family_id = (select family_id from refresh_tokens where jti = ${jti})
        and revoked_at is null`;
    return { ok: false, reused: revoked.count > 0 };
  });
}

export async function revokeFamily(sql: Sql, familyId: string) {
  await sql`
    update refresh_tokens set revoked_at = now()
    where family_id = ${familyId} and revoked_at is null`;
}
