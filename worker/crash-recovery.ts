// Starting the consumer again after a crash kafkajs will not restart from. kafkajs gives up for
// good on some errors a broker restart causes, such as "Failed to find group coordinator" while
// the restarted broker is still loading its group state; exiting on those would turn every
// broker restart into a worker restart. Attempts back off exponentially; only a consumer that has
// been out of its group for giveUpAfterMs (counted from the first crash since it was last a
// member) is handed to onFatal, so that its supervisor restarts the process.
import type { LogFn } from "../common/events/kafka-log.ts";

export interface CrashRecoveryOptions {
  /** Connects, subscribes and runs the consumer (kafkajs disconnected the crashed one). */
  start(): Promise<void>;
  disconnect(): Promise<void>;
  giveUpAfterMs: number;
  onFatal(error: unknown): void;
  log: LogFn;
  /** First delay; doubled per attempt up to maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export function createCrashRecovery(opts: CrashRecoveryOptions) {
  const baseDelayMs = opts.baseDelayMs ?? 1_000;
  const maxDelayMs = opts.maxDelayMs ?? 30_000;
  let outSince: number | null = null; // first crash since the consumer was last a member
  let attempts = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let attempt: Promise<void> | null = null;
  let stopped = false;

  function schedule(error: unknown) {
    if (stopped || timer || attempt) return;
    if (Date.now() - (outSince ?? Date.now()) >= opts.giveUpAfterMs) return opts.onFatal(error);
    const delayMs = Math.min(maxDelayMs, baseDelayMs * 2 ** attempts++);
    opts.log("warning", "consumer stopped by kafkajs; starting it again", { delayMs, attempts });
    timer = setTimeout(() => {
      timer = null;
      attempt = tryStart().finally(() => (attempt = null));
    }, delayMs);
  }

  async function tryStart() {
    if (stopped) return;
    try {
      await opts.start();
    } catch (error) {
      // A start that fails outright emits no crash: it is one all the same.
      opts.log("warning", "consumer could not start again", { error: String(error) });
      await opts.disconnect().catch(() => {}); // so that the next start may subscribe again
      if (!stopped) {
        attempt = null;
        schedule(error);
      }
    }
  }

  return {
    /** The consumer joined its group: it is a member again. */
    joined() {
      outSince = null;
      attempts = 0;
    },
    /** The consumer crashed; kafkajs restarts it itself unless `kafkajsRestarts` is false. */
    crashed(error: unknown, kafkajsRestarts: boolean) {
      outSince ??= Date.now();
      if (!kafkajsRestarts) schedule(error);
    },
    /** No more attempts; waits for one under way, so that the caller's disconnect is last. */
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await attempt;
    },
  };
}
