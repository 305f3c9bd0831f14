// Logout and reuse detection also end the session's access tokens, which are otherwise valid
// until they expire. The revocation is kept in PostgreSQL (session_revocations), in the
// transaction that revokes the refresh family, until the last access token has expired; Redis
// holds a copy (`revoked:sid:<sid>`) that the request's single round trip reads
// (hot-path/round-trip.ts). `revoked:complete` says Redis holds every revocation but the few a
// repair pass has still to push: a Redis that restarted empty lacks it, and until the repair
// has put the list back, and while Redis cannot be asked at all, a token's session is checked in
// PostgreSQL instead. Bounds: docs/security.md, "Redis writes under partial failure".
import { errorFields, type Log } from "../../common/logger.ts";
import type { Sql, Tx } from "../platform/db.ts";
import type { Redis } from "../platform/redis.ts";
import { writeAcknowledged } from "../platform/redis-acknowledged.ts";

export const revokedSessionKey = (sid: string) => `revoked:sid:${sid}`;
export const REVOCATIONS_COMPLETE_KEY = "revoked:complete";

/** In the revoking transaction: the durable revocation, for one access-token lifetime. */
export async function recordRevocation(tx: Tx, sid: string, accessTtlSeconds: number) {
  if (!sid) throw new Error("recordRevocation: sid is required");
  if (!Number.isInteger(accessTtlSeconds) || accessTtlSeconds < 1) {
    throw new Error("recordRevocation: accessTtlSeconds must be a positive integer");
  }
  await tx`
    insert into session_revocations (sid, expires_at)
    values (${sid}, now() + make_interval(secs => ${accessTtlSeconds}))
    on conflict (sid) do nothing`;
}

export interface Revocations {
  /** After the revoking commit: into Redis before the answer when it acknowledges in time. */
  push(sid: string): Promise<boolean>;
  /** Whether the session is revoked; `prefetched` is the round trip's answer (null: unknown). */
  check(sid: string, prefetched?: boolean | null): Promise<boolean>;
  /** One repair pass (redis-repair.ts): the whole list after a Redis restart, else the unpushed. */
  repair(): Promise<number>;
}

interface Pending {
  sid: string;
  ttl: number;
}

export function createRevocations(
  opts: {
    sql: Sql;
    redis: Redis;
    log: Log;
    accessTtlSeconds: number;
    /** Told of each session this process revoked, and whether Redis acknowledged it, before
     * the logout is answered (the in-process copy drops it: platform/redis-tracking.ts). */
    changed?: (key: string, landed: boolean) => void;
  },
): Revocations {
  const { sql, redis, log, accessTtlSeconds } = opts;

  async function inDatabase(sid: string): Promise<boolean> {
    const [row] = await sql<{ revoked: boolean }[]>`
      select exists (
        select 1 from session_revocations where sid = ${sid} and expires_at > now()
      ) as revoked`;
    return row.revoked;
  }

  async function inRedis(sid: string): Promise<boolean | null> {
    try {
      const [revoked, complete] = await redis.run((c) =>
        c.mGet([revokedSessionKey(sid), REVOCATIONS_COMPLETE_KEY])
      );
      return revoked !== null ? true : complete !== null ? false : null;
    } catch {
      return null;
    }
  }

  async function markPushed(sids: string[]) {
    if (sids.length === 0) return;
    await sql`
      update session_revocations set pushed_at = now()
      where sid = any(${sids}::uuid[]) and pushed_at is null`;
  }

  /** Every row in one MULTI, the marker last: all of it lands on one server, or none does. */
  function pushAll(rows: Pending[], complete: boolean) {
    return redis.send((c) => {
      const multi = c.multi();
      for (const { sid, ttl } of rows) multi.set(revokedSessionKey(sid), "1", { EX: ttl });
      if (complete) multi.set(REVOCATIONS_COMPLETE_KEY, "1");
      return multi.exec();
    });
  }

  return {
    async push(sid) {
      const key = revokedSessionKey(sid);
      const landed = await writeAcknowledged(
        redis,
        () => redis.send((c) => c.set(key, "1", { EX: accessTtlSeconds })),
      );
      opts.changed?.(key, landed);
      if (!landed) {
        log("warning", "revocation not acknowledged by Redis; the repair will push it", { sid });
        return false;
      }
      await markPushed([sid]).catch((error) =>
        log(
          "debug",
          "revocation not marked pushed; the repair will push it again",
          errorFields(error),
        )
      );
      return true;
    },
    async check(sid, prefetched) {
      const revoked = prefetched === undefined ? await inRedis(sid) : prefetched;
      return revoked ?? await inDatabase(sid);
    },
    async repair() {
      const complete = await redis.run((c) => c.exists(REVOCATIONS_COMPLETE_KEY)) === 1;
      const rows = await sql<Pending[]>`
        select sid, ceil(extract(epoch from expires_at - now()))::int as ttl
        from session_revocations
        where expires_at > now() ${complete ? sql`and pushed_at is null` : sql``}
        order by revoked_at`;
      if (rows.length === 0 && complete) return 0;
      await pushAll(rows, !complete);
      await markPushed(rows.map((row) => row.sid));
      if (!complete) log("info", "revocations restored to Redis", { count: rows.length });
      return rows.length;
    },
  };
}
