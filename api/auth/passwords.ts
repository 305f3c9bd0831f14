// A small pool of Web Workers doing bcrypt, so logins never block the request loop.
import { timePasswordJob, watchPasswordQueue } from "../metrics/metrics.ts";
import type { PasswordJob, PasswordResult } from "./password-worker.ts";

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type Job = DistributiveOmit<PasswordJob, "id">;

export interface Passwords {
  hash(password: string): Promise<string>;
  verify(password: string, hash: string): Promise<boolean>;
  /** Same cost as verify() for an unknown account, so timing does not reveal it exists. */
  verifyNothing(password: string): Promise<false>;
  close(): void;
}

export function createPasswords(opts: { cost: number; workers: number }): Passwords {
  if (opts.workers < 1) throw new Error("passwords: workers must be >= 1");
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const load: number[] = [];
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
    const id = nextId++;
    const index = load.indexOf(Math.min(...load));
    load[index]++;
    return timePasswordJob(
      new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
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
    close() {
      unwatch();
      for (const worker of workers) worker.terminate();
      for (const entry of pending.values()) entry.reject(new Error("password pool closed"));
      pending.clear();
    },
  };
}
