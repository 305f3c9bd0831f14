// Start-up check that the installed postgres.js carries patches/postgres@3.4.9.patch (applied
// by `bun install`, and by scripts/patch-deps.ts after `deno install`). A bare `deno install`
// leaves it unpatched: the process-level guard then still keeps the process alive, but say so.
import { readFileSync } from "node:fs";
import type { Log } from "./logger.ts";

export function warnIfDriverUnpatched(log: Log): void {
  try {
    const file = new URL("connection.js", import.meta.resolve("postgres"));
    if (readFileSync(file, "utf8").includes("order-service patch")) return;
    log("error", "postgres.js is not patched: run scripts/patch-deps.ts (docs/operations.md)", {
      file: file.pathname,
    });
  } catch {
    // Not resolvable as a file (bundled, or no read permission): nothing to check.
  }
}
