// Leader election for the outbox relay: a session-level advisory lock held on a reserved
// connection. PostgreSQL releases it when that session ends, so a dead leader (process or
// connection) frees it and the next non-leader to retry takes over.
//
// The reserved connection is only ever queried while it is known to be alive: postgres.js
// (3.4.9) throws an *uncaught* error when a query is written to a reserved connection whose
// socket has closed, and releasing such a connection would hand the broken socket to the
// pool. So liveness is checked through the pool, in pg_locks, by the lock holder's backend pid;
// a dead reserved connection is simply forgotten (the pool reconnects it on its own).
import postgres from "postgres";
import { abandonReservation } from "../lib/pool-waits.ts";

export interface LeaderLock {
  /** Tries to become leader; true if this instance holds the lock afterwards. */
  acquire(): Promise<boolean>;
  /** Confirms the lock is still held (the session alive); forgets it otherwise. */
  verify(): Promise<boolean>;
  /** Gives the lock up (if held and the connection is alive). */
  release(): Promise<void>;
  readonly held: boolean;
}

export function createLeaderLock(sql: postgres.Sql, key: number): LeaderLock {
  let conn: postgres.ReservedSql | null = null;
  let pid = 0;

  async function isHeldBy(backendPid: number): Promise<boolean> {
    // pg_try_advisory_lock(bigint) shows in pg_locks as classid = high 32 bits, objid = low
    // 32 bits, objsubid = 1.
    const [row] = await sql<{ held: boolean }[]>`
      select exists(
        select 1 from pg_locks
        where locktype = 'advisory' and granted and pid = ${backendPid} and objsubid = 1
          and ((classid::bigint << 32) | objid::bigint) = ${key}::bigint
      ) as held`;
    return row.held;
  }

  return {
    get held() {
      return conn !== null;
    },
    async acquire() {
      if (conn) return true;
      const reserved = await sql.reserve();
      let row: { locked: boolean; pid: number };
      try {
        [row] = await reserved<{ locked: boolean; pid: number }[]>`
          select pg_try_advisory_lock(${key}::bigint) as locked, pg_backend_pid() as pid`;
      } catch (error) {
        if (sessionSurvives(error)) reserved.release();
        else abandonReservation(reserved);
        throw error;
      }
      if (!row.locked) {
        reserved.release();
        return false;
      }
      [conn, pid] = [reserved, row.pid];
      return true;
    },
    async verify() {
      if (!conn) return false;
      if (await isHeldBy(pid)) return true;
      abandonReservation(conn); // dead session: never touch or release it (see above)
      conn = null;
      return false;
    },
    async release() {
      const reserved = conn;
      if (!reserved) return;
      conn = null;
      if (!(await isHeldBy(pid).catch(() => false))) return abandonReservation(reserved);
      try {
        await reserved`select pg_advisory_unlock(${key}::bigint)`;
      } catch (error) {
        // Rare (a server error on a live session): the pool gets it back either way, and
        // sql.end() at shutdown closes it, which frees the lock.
        if (sessionSurvives(error)) reserved.release();
        else abandonReservation(reserved);
        throw error;
      }
      reserved.release();
    },
  };
}

/** Whether the connection is still usable after this error (a server error short of FATAL). */
function sessionSurvives(error: unknown): boolean {
  return error instanceof postgres.PostgresError &&
    !["FATAL", "PANIC"].includes(error.severity);
}
