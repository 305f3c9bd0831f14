// The second line of defence behind the postgres.js patch (patches/): an error that escapes
// every try/catch (thrown from a timer or socket callback) or a promise rejection nobody
// handles would end the process by default. An order service that has committed its work to
// PostgreSQL loses nothing by carrying on, while exiting drops every in-flight request, so
// these are logged (level critical, with the stack) and the process keeps serving.
// Deno (the API) reports them as web events; Bun (the worker) as Node process events.
import process from "node:process";
import { errorFields, type Log } from "./logger.ts";

/** Installs the handlers once per process; returns how many were caught so far. */
export function guardProcess(log: Log): () => number {
  let caught = 0;
  const report = (kind: string, error: unknown) => {
    caught++;
    log("critical", `${kind}; the process keeps running`, { kind, ...errorFields(error) });
  };
  if ("Bun" in globalThis) {
    process.on("uncaughtException", (error) => report("uncaught exception", error));
    process.on("unhandledRejection", (reason) => report("unhandled rejection", reason));
  } else {
    globalThis.addEventListener("error", (event) => {
      event.preventDefault();
      report("uncaught exception", event.error);
    });
    globalThis.addEventListener("unhandledrejection", (event) => {
      event.preventDefault();
      report("unhandled rejection", event.reason);
    });
  }
  return () => caught;
}
