// The relay's idle wait: a timer that a NOTIFY can cut short.

/** A sleep that a notification can cut short; a kick during work is not lost. */
export function createWaker() {
  let kicked = false;
  let resolve: (() => void) | null = null;
  return {
    kick() {
      kicked = true;
      resolve?.();
    },
    reset() {
      kicked = false;
    },
    /** A kick came since the last reset: the next wait returns at once. */
    get kicked() {
      return kicked;
    },
    async wait(ms: number) {
      if (kicked) return;
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((done) => {
        resolve = done;
        timer = setTimeout(done, ms);
      });
      clearTimeout(timer);
      resolve = null;
    },
  };
}
