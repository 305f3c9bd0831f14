// How long the relay sleeps after a drain. New rows come with a NOTIFY, so the outbox is
// counted only when due times may have changed (rows failed or were given back, or a known due
// time has passed) and otherwise at most once a second: under steady load a count per batch
// was a tenth of each wake-up's time.
import type postgres from "postgres";
import { outboxCounts } from "./outbox-store.ts";

/** Due rows claimed by another relay: look again soon. */
export const CONTENDED_MS = 200;
const COUNT_EVERY_MS = 1_000;

export interface RelayCounts {
  pending: number;
  parked: number;
}

export function createRelaySchedule(
  { sql, sweepIntervalMs, kicked }: {
    sql: postgres.Sql;
    sweepIntervalMs: number;
    /** A NOTIFY came since the wake-up began (the waker's flag). */
    kicked: () => boolean;
  },
) {
  let counts: RelayCounts | undefined;
  let countedAt = -Infinity;
  let nextDueAt: number | null = null; // earliest backing-off row, as of the last count
  let contended = false; // the last count found due rows the drain had not claimed

  return {
    /** The outbox's counts as of the last count; undefined until counted as the leader. */
    get counts() {
      return counts;
    },
    /** Leadership was lost: the counts are no longer this relay's to report. */
    forgetCounts() {
      counts = undefined;
    },
    /** How long to sleep after a drain; `troubled`: rows failed or were given back. */
    async nextWait(troubled: boolean): Promise<number> {
      const now = Date.now();
      const due = nextDueAt !== null && nextDueAt <= now;
      if (troubled || due || contended || now - countedAt >= COUNT_EVERY_MS) {
        const info = await outboxCounts(sql);
        countedAt = Date.now();
        counts = { pending: info.pending, parked: info.parked };
        // Due rows this drain did not get: locked by someone else (look again soon, and count
        // again then, until they are gone), unless a NOTIFY came during the drain. Then they
        // are new rows, and the wake-up it left drains them at once; taking them for
        // contention made a busy relay count after every drain of a steady stream.
        const dueNow = info.dueInMs !== null && info.dueInMs <= 0;
        contended = dueNow && !kicked();
        if (contended) {
          nextDueAt = null;
          return CONTENDED_MS;
        }
        nextDueAt = info.dueInMs === null || dueNow ? null : countedAt + info.dueInMs;
      }
      if (nextDueAt === null) return sweepIntervalMs;
      return Math.min(sweepIntervalMs, Math.max(0, nextDueAt - Date.now()));
    },
  };
}
