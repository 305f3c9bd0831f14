// A private PostgreSQL role for one worker under test, made through the superuser of the
// local services (scripts/services.sh runs PostgreSQL with trust authentication for
// `postgres`). Lets a test induce real transient errors for that worker alone — too many
// connections (CONNECTION LIMIT 0) and admin shutdown (pg_terminate_backend) — and count its
// connections, without disturbing anything else that uses the database.
import postgres from "postgres";
import { DATABASE_URL } from "./events.ts";

function superuserUrl(): string {
  const url = new URL(DATABASE_URL);
  url.username = "postgres";
  url.password = "";
  return url.toString();
}

/** Whether the local superuser is reachable (not when DATABASE_URL points elsewhere). */
export const superuserAvailable = await (async () => {
  const sql = postgres(superuserUrl(), { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    const [row] = await sql`select rolsuper from pg_roles where rolname = current_user`;
    return row?.rolsuper === true;
  } catch {
    return false;
  } finally {
    await sql.end();
  }
})();

/** A role for one worker; with `{ created: false }` only its name and URL, until create(). */
export async function privateRole({ created = true } = {}) {
  const admin = postgres(superuserUrl(), { max: 1, onnotice: () => {} });
  const name = `events_worker_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const create = async () => {
    await admin.unsafe(`create role ${name} login password 'worker'`);
    await admin.unsafe(`grant select, insert on processed_events to ${name}`);
  };
  if (created) await create();
  const url = new URL(DATABASE_URL);
  url.username = name;
  url.password = "worker";
  return {
    name,
    url: url.toString(),
    /** Creates the role with the worker's grants (a role fixed while the worker runs). */
    create,
    /** Refuses every new connection (53300) and terminates the open ones (57P01). */
    async block() {
      await admin.unsafe(`alter role ${name} connection limit 0`);
      await admin`select pg_terminate_backend(pid) from pg_stat_activity where usename = ${name}`;
    },
    async unblock() {
      await admin.unsafe(`alter role ${name} connection limit -1`);
    },
    async connections(): Promise<number> {
      const [{ n }] = await admin`
        select count(*)::int as n from pg_stat_activity where usename = ${name}`;
      return n;
    },
    async drop() {
      await admin`select pg_terminate_backend(pid) from pg_stat_activity where usename = ${name}`;
      const [exists] = await admin`select 1 from pg_roles where rolname = ${name}`;
      if (exists) await admin.unsafe(`drop owned by ${name}`);
      await admin.unsafe(`drop role if exists ${name}`);
      await admin.end();
    },
  };
}
