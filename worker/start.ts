// `bun run worker` (package.json): the worker, on the patched postgres.js (driver-install.ts).
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { ensurePatchedDriver } from "./driver-install.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
if (ensurePatchedDriver(root) === "present") {
  await import("./main.ts");
} else {
  // This process started without node_modules, so Bun resolves packages from its global cache
  // for its whole life: the worker runs in a new process that finds the fresh node_modules.
  const worker = spawn(process.execPath, ["worker/main.ts"], { cwd: root, stdio: "inherit" });
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.on(signal, () => worker.kill(signal));
  }
  worker.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
