// The background half of the writes in redis-acknowledged.ts: every API process pushes, once a
// tick, the durable records of writes Redis has not acknowledged (a changed order's cache entry,
// a logout's revocation), whoever wrote them. A writer that lost its way to Redis, or stopped,
// is thus covered by any process that reaches both PostgreSQL and Redis; the bound this gives is
// in docs/security.md ("Redis writes under partial failure").
import { errorFields, type Log } from "../../common/logger.ts";
import type { Redis } from "./redis.ts";

export interface RepairTask {
  name: string;
  run(): Promise<unknown>;
}

/** Runs the tasks now and then every `intervalMs`, never overlapping; returns the stop. */
export function startRedisRepair(
  opts: {
    redis: Redis;
    log: Log;
    intervalMs: number;
    tasks: RepairTask[];
    /** After a pass in which every task succeeded, with when it started (performance.now()). */
    onCleanPass?: (startedAt: number) => void;
  },
) {
  const { redis, log, tasks } = opts;
  let stopping = false;
  let current: Promise<void> | null = null;
  const failing = new Set<string>();
  async function runAll() {
    if (!redis.ready()) return; // nothing can land; PostgreSQL is not asked for nothing
    const startedAt = performance.now();
    let clean = true;
    for (const task of tasks) {
      if (stopping) return;
      try {
        await task.run();
        if (failing.delete(task.name)) log("info", "redis repair works again", { task: task.name });
      } catch (error) {
        if (!failing.has(task.name)) {
          log("warning", "redis repair failed; will retry", {
            task: task.name,
            ...errorFields(error),
          });
        }
        failing.add(task.name);
        clean = false;
      }
    }
    if (clean) opts.onCleanPass?.(startedAt);
  }
  const kick = () => {
    if (!stopping && current === null) current = runAll().finally(() => (current = null));
  };
  kick();
  const timer = setInterval(kick, opts.intervalMs);
  return async () => {
    stopping = true;
    clearInterval(timer);
    await current;
  };
}
