// The shape of every purge of expired rows (api/housekeeping.ts, worker/housekeeping.ts): a
// short delete statement repeated batch after batch until a batch comes back short, so locks
// are never held for long and a run keeps up with any write rate; run at start-up and then
// periodically, never two runs at once.
import type { Log } from "./logger.ts";

export interface BatchOptions {
  /** Rows per delete statement. */
  batch: number;
  /** Checked between batches: a stopping process does not start another one. */
  stopped: () => boolean;
}

/** Repeats one delete until a batch comes back short: everything expired is gone. */
export async function deleteInBatches(
  deleteBatch: () => Promise<number>,
  { batch, stopped }: BatchOptions,
): Promise<number> {
  let total = 0;
  while (!stopped()) {
    const deleted = await deleteBatch();
    total += deleted;
    if (deleted < batch) break;
  }
  return total;
}

/** Purges now and then every `everyMs`; returns a stop function that waits for the batch in
 * progress. A failed run is logged and retried at the next interval. */
export function startPurging(
  purge: (stopped: () => boolean) => Promise<Record<string, number>>,
  log: Log,
  everyMs: number,
) {
  let stopping = false;
  let current: Promise<void> | null = null;
  const run = async () => {
    try {
      const deleted = await purge(() => stopping);
      if (Object.values(deleted).some((n) => n > 0)) log("info", "housekeeping", deleted);
    } catch (error) {
      log("warning", "housekeeping failed; will retry", { error: String(error) });
    }
  };
  const kick = () => {
    if (!stopping && current === null) current = run().finally(() => (current = null));
  };
  kick();
  const timer = setInterval(kick, everyMs);
  return async () => {
    stopping = true;
    clearInterval(timer);
    await current;
  };
}
