// A small pool of Web Workers doing bcrypt, so logins never block the request loop. The queue
// is bounded: past `maxQueue` jobs waiting or running, new ones fail at once with 503 and a
// Retry-After, so a burst of logins sheds load instead of making every login wait longer.
import { timePasswordJob, watchPasswordQueue } from "../metrics/metrics.ts";
import type { PasswordJob, PasswordResult } from "./password-worker.ts";
import { ProblemError } from "../lib/problem.ts";

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type Job = DistributiveOmit<PasswordJob, "id">;

export class PasswordQueueFullError extends ProblemError {
  constructor(retryAfterSeconds: number) {
    super(503, "Too many password checks in progress; retry shortly.", {}, {
      "Retry-After": String(retryAfterSeconds),
    });
  }
}

export interface Passwords {
  hash(password: string): Promise<string>;
  verify(password: string, hash: string): Promise<boolean>;
  /** Same cost as verify() for an unknown account, so timing does not reveal it exists. */
  verifyNothing(password: string): Promise<false>;
  /** True when `hash` was made with another cost than the configured one. */
  needsRehash(hash: string): boolean;
  close(): void;
}

/** The cost a bcrypt hash was made with (`$2b$12$...`), or undefined if it is not bcrypt. */
export function bcryptCost(hash: string): number | undefined {
  const match = /^\$2[abxy]?\$(\d{2})\$/.exec(hash);
  return match ? Number(match[1]) : undefined;
}

export function createPasswords(
  opts: { cost: number; workers: number; maxQueue: number },
): Passwords {
  if (opts.workers < 1) throw new Error("passwords: workers must be >= 1");
  if (!(opts.maxQueue >= 1)) throw new Error("passwords: maxQueue must be >= 1");
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const load: number[] = [];
  let averageMs = 100; // moving average of a job's time in the pool, for Retry-After
  const workers = Array.from({ length: opts.workers }, (_, index) => {
    const worker = new Worker(new URL("./password-worker.ts", import.meta.url), { type: "module" });
    load[index] = 0;
    worker.onmessage = ({ data }: MessageEvent<PasswordResult>) => {
      load[index]--;
      const entry = pending.get(data.id);
      pending.delete(data.id);
      if (data.error !== undefined) entry?.reject(new Error(data.error));
      else entry?.resolve(data.result);
    };
    return worker;
  });
  let nextId = 0;
  const unwatch = watchPasswordQueue(() => pending.size);

  function run<T>(job: Job): Promise<T> {
    if (pending.size >= opts.maxQueue) {
      // A job admitted now would wait about as long as recent jobs took, queueing included.
      return Promise.reject(new PasswordQueueFullError(Math.max(1, Math.ceil(averageMs / 1000))));
    }
    const id = nextId++;
    const index = load.indexOf(Math.min(...load));
    load[index]++;
    const started = performance.now();
    return timePasswordJob(
      new Promise<T>((resolve, reject) => {
        pending.set(id, {
          resolve: (value) => {
            averageMs = 0.8 * averageMs + 0.2 * (performance.now() - started);
            resolve(value as T);
          },
          reject,
        });
        workers[index].postMessage({ ...job, id } as PasswordJob);
      }),
    );
  }

  const dummy = run<string>({ op: "hash", password: crypto.randomUUID(), cost: opts.cost });
  dummy.catch(() => {}); // closing the pool early must not surface as an unhandled rejection
  return {
    hash: (password) => run<string>({ op: "hash", password, cost: opts.cost }),
    verify: (password, hash) => run<boolean>({ op: "verify", password, hash }),
    async verifyNothing(password) {
      await run<boolean>({ op: "verify", password, hash: await dummy });
      return false;
    },
    needsRehash: (hash) => bcryptCost(hash) !== opts.cost,
    close() {
      unwatch();
      for (const worker of workers) worker.terminate();
      for (const entry of pending.values()) entry.reject(new Error("password pool closed"));
      pending.clear();
    },
  };
}
