// The process-level guard (common/process-guard.ts) keeps a Deno and a Bun process alive
// through an error thrown from a callback and an unhandled rejection, and logs both.
import { ok, strictEqual } from "node:assert/strict";
import { bunPath, runChild } from "../helpers/child.ts";

const FIXTURE = "tests/fixtures/process-guard.ts";

for (
  const [runtime, command, args] of [
    ["Deno", Deno.execPath(), ["run", "--allow-env", "--allow-read", FIXTURE]],
    ["Bun", bunPath(), [FIXTURE]],
  ] as const
) {
  Deno.test(`${runtime}: an uncaught error and an unhandled rejection are logged, not fatal`, async () => {
    const result = await runChild(command, [...args], { env: { PATH: Deno.env.get("PATH")! } });
    strictEqual(result.code, 0, result.stderr);
    ok(result.stdout.includes("alive"), result.stdout);
    const lines = result.stdout.split("\n").filter((l) => l.startsWith("{")).map((l) =>
      JSON.parse(l)
    );
    const kinds = lines.filter((l) => l.level === "critical").map((l) => l.kind).sort();
    strictEqual(
      JSON.stringify(kinds),
      JSON.stringify(["uncaught exception", "unhandled rejection"]),
    );
    ok(lines.some((l) => /reading 'write'/.test(l.error) && l.stack), "the stack is logged");
  });
}
