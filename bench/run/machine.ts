// What the report says about the machine and the code: tool versions, commit, cores and how
// busy the CPU was just before the start.
import { round, sleep } from "../lib/proc.ts";
import { root } from "./config.ts";

async function commandText(cmd: string, args: string[]): Promise<string> {
  try {
    const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    return text.trim().split("\n")[0];
  } catch {
    return "unavailable";
  }
}

/** Share of all cores' time spent busy over `ms` (from /proc/stat). */
async function cpuBusyPercent(ms: number): Promise<number> {
  const sample = async () => {
    const fields = (await Deno.readTextFile("/proc/stat")).split("\n")[0].trim().split(/\s+/)
      .slice(1).map(Number);
    const idle = fields[3] + (fields[4] ?? 0); // idle + iowait
    return { idle, total: fields.reduce((sum, n) => sum + n, 0) };
  };
  try {
    const before = await sample();
    await sleep(ms);
    const after = await sample();
    const total = after.total - before.total;
    return total > 0 ? round(100 * (1 - (after.idle - before.idle) / total)) : 0;
  } catch {
    return 0;
  }
}

export async function describeMachine() {
  const [denoVersion, bunVersion, wrkVersion, commit, dirty] = await Promise.all([
    commandText(Deno.execPath(), ["--version"]),
    commandText("bun", ["--version"]),
    commandText("wrk", ["-v"]),
    commandText("git", ["-C", root, "rev-parse", "--short", "HEAD"]),
    commandText("git", ["-C", root, "status", "--porcelain", "--untracked-files=no"]),
  ]);
  const cores = navigator.hardwareConcurrency;
  // Other work on the machine competes with the API for its cores: say so in the report.
  const busyPercent = await cpuBusyPercent(1_000);
  const busy = busyPercent > 25;
  return { denoVersion, bunVersion, wrkVersion, commit, dirty, cores, busyPercent, busy };
}
