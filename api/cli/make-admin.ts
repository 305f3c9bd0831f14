// Promotes (or with --revoke, demotes) a user: `deno task make-admin user@example.com`.
// The role is read into new tokens, so the user logs in again to use it.
import { loadDatabaseConfig } from "../config.ts";
import { loadOrExit } from "../../common/env-schema.ts";
import { createSql } from "../platform/db.ts";

export async function setRole(
  sql: ReturnType<typeof createSql>,
  email: string,
  role: "admin" | "user",
): Promise<boolean> {
  const result = await sql`update users set role = ${role} where lower(email) = lower(${email})`;
  return result.count === 1;
}

if (import.meta.main) {
  const revoke = Deno.args.includes("--revoke");
  const email = Deno.args.find((arg) => !arg.startsWith("--"));
  if (!email) {
    console.error("usage: deno task make-admin <email> [--revoke]");
    Deno.exit(2);
  }
  const sql = createSql(loadOrExit(() => loadDatabaseConfig()));
  const role = revoke ? "user" : "admin";
  const found = await setRole(sql, email, role);
  await sql.end();
  if (!found) {
    console.error(`no user with email ${email}`);
    Deno.exit(1);
  }
  console.log(`${email} is now ${role}; new tokens carry the role (log in again).`);
}
