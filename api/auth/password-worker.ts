// Runs bcrypt on its own thread: bcryptjs is pure JavaScript, and one hash at cost 12 takes
// a few hundred milliseconds that would otherwise stall every request on the main loop.
/// <reference lib="deno.worker" />
import bcrypt from "bcryptjs";

export type PasswordJob =
  | { id: number; op: "hash"; password: string; cost: number }
  | { id: number; op: "verify"; password: string; hash: string };
export type PasswordResult = { id: number; result?: string | boolean; error?: string };

self.onmessage = (event: MessageEvent<PasswordJob>) => {
  const job = event.data;
  try {
    const result = job.op === "hash"
      ? bcrypt.hashSync(job.password, job.cost)
      : bcrypt.compareSync(job.password, job.hash);
    self.postMessage({ id: job.id, result } satisfies PasswordResult);
  } catch (error) {
    self.postMessage({ id: job.id, error: String(error) } satisfies PasswordResult);
  }
};
