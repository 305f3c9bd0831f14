// The worker's pause: while the database cannot serve it, for a reason that is not a record's
// (an outage, or an environment error such as a missing role, grant or table:
// common/db-errors.ts), the worker stops taking on records instead of dead-lettering them.
// The records whose statement failed retry it with backoff (they probe the database); every
// other record waits before its first statement until the probes succeed. Nothing waiting is
// resolved, so no offset is committed past it. The pause is visible as the worker_paused
// gauge, a log line (error level for an environment error: someone must fix it) and
// GET /internal/ready answering 503; /internal/alive stays 204, since the process is healthy.
import { environmentDbError } from "../common/db-errors.ts";
import type { LogFn } from "../common/events/kafka-log.ts";
import { workerMetrics } from "./metrics.ts";

export interface PauseState {
  kind: "outage" | "environment";
  /** "outage", or the environment error's reason (authentication, missing-table, …). */
  reason: string;
  /** SQLSTATE, or the client's error code, when there is one. */
  code?: string;
  why: string;
  error: string;
  since: string;
}

export interface PauseOptions {
  log: LogFn;
  /** How often a waiting record checks whether the pause is over (and heartbeats). */
  pollMs?: number;
  /** How often the error line is repeated while an environment error lasts. */
  remindEveryMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const OUTAGE_WHY = "the database is unreachable, restarting or overloaded";

export function createPause({ log, pollMs = 200, remindEveryMs = 60_000 }: PauseOptions) {
  let state: PauseState | null = null;
  let probes = 0;
  let lastLogged = 0;

  function report(level: "warning" | "error", msg: string) {
    lastLogged = Date.now();
    log(level, msg, { ...state, hint: "records wait; none is dead-lettered for this" });
  }

  return {
    current: (): PauseState | null => state,

    /** A statement failed for a reason that is not the record's: pause (or stay paused). */
    failed(kind: PauseState["kind"], error: unknown) {
      const env = kind === "environment" ? environmentDbError(error) : undefined;
      const reason = env?.reason ?? "outage";
      const code = env?.code ?? (error as { code?: unknown })?.code;
      const message = error instanceof Error ? error.message : String(error);
      // An outage's client code flickers (refused, reset, too many connections): only a new
      // reason, or another SQLSTATE of an environment error, is news worth a line.
      const changed = state?.reason !== reason || (env !== undefined && state?.code !== code);
      if (changed) {
        if (state) workerMetrics.paused.set({ reason: state.reason }, 0);
        state = {
          kind,
          reason,
          ...(typeof code === "string" ? { code } : {}),
          why: env?.why ?? OUTAGE_WHY,
          error: message,
          since: state?.since ?? new Date().toISOString(),
        };
        workerMetrics.paused.set({ reason }, 1);
        report(kind === "environment" ? "error" : "warning", "worker paused: database unusable");
      } else if (kind === "environment" && Date.now() - lastLogged >= remindEveryMs) {
        report("error", "worker still paused: database unusable");
      }
    },

    /** A statement succeeded: the database serves the worker again. */
    succeeded() {
      if (!state) return;
      const pausedMs = Date.now() - Date.parse(state.since);
      log("info", "worker resumed: database usable again", { reason: state.reason, pausedMs });
      workerMetrics.paused.set({ reason: state.reason }, 0);
      state = null;
    },

    /** Counts a record as probing the database (retrying a failed statement) until the
     * returned function is called. */
    probe(): () => void {
      probes++;
      let released = false;
      return () => {
        if (!released) probes--;
        released = true;
      };
    },

    /**
     * Waits while the worker is paused and another record is probing. False when the record
     * should be given up instead (`stillWanted` says so: shutdown, rebalance).
     */
    async awaitTurn(stillWanted: () => Promise<boolean>): Promise<boolean> {
      while (state !== null && probes > 0) {
        await sleep(pollMs);
        if (!(await stillWanted())) return false;
      }
      return true;
    },
  };
}

export type Pause = ReturnType<typeof createPause>;
