// Makes sure the worker runs on a postgres.js that carries patches/postgres@3.4.9.patch. Bun
// applies patches/ (package.json patchedDependencies) when it installs into node_modules; in a
// checkout without node_modules, though, `bun run worker` would load Bun's auto-installed copy
// from its global cache, unpatched. So the entry point installs first when the driver in
// node_modules is missing or unpatched (README, "The postgres.js patch").
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";

const MARK = "order-service patch";

export function driverPatched(root: string): boolean {
  const file = join(root, "node_modules", "postgres", "src", "connection.js");
  return existsSync(file) && readFileSync(file, "utf8").includes(MARK);
}

/** "present" when node_modules already has the patched driver, else installs it. */
export function ensurePatchedDriver(root: string): "present" | "installed" {
  if (driverPatched(root)) return "present";
  const install = spawnSync(
    process.execPath,
    ["install", "--frozen-lockfile", "--production", "--ignore-scripts"],
    { cwd: root, stdio: ["ignore", 2, 2] }, // stdout stays the worker's log
  );
  if (install.status !== 0 || !driverPatched(root)) {
    throw new Error(
      `bun install left no patched postgres.js in ${
        join(root, "node_modules")
      } (exit ${install.status})`,
    );
  }
  return "installed";
}
