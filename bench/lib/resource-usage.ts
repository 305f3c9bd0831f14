// What bench processes use, read from /proc (Linux): RSS and its peak summed over a process
// tree, sampled while a scenario runs, and CPU seconds.
import { round, sleep } from "./proc.ts";

/** The process and all its descendants (e.g. `bun run worker` and the bun it starts). */
async function processTree(pid: number): Promise<number[]> {
  const pids = [pid];
  for (let i = 0; i < pids.length; i++) {
    try {
      for await (const task of Deno.readDir(`/proc/${pids[i]}/task`)) {
        const children = await Deno.readTextFile(`/proc/${pids[i]}/task/${task.name}/children`);
        pids.push(...children.trim().split(/\s+/).filter(Boolean).map(Number));
      }
    } catch { /* gone */ }
  }
  return pids;
}

/**
 * VmRSS and VmHWM (peak RSS since start) in KiB, summed over the process and its
 * descendants. Reading /proc/<pid> needs Deno's --allow-all.
 */
export async function readMemory(pid: number): Promise<{ rssKb: number; hwmKb: number } | null> {
  let rssKb = 0;
  let hwmKb = 0;
  let found = false;
  for (const id of await processTree(pid)) {
    try {
      const status = await Deno.readTextFile(`/proc/${id}/status`);
      const field = (name: string) =>
        Number(status.match(new RegExp(`^${name}:\\s+(\\d+)`, "m"))?.[1] ?? 0);
      rssKb += field("VmRSS");
      hwmKb += field("VmHWM");
      found = true;
    } catch { /* gone */ }
  }
  return found ? { rssKb, hwmKb } : null;
}

/** Samples a process's RSS every `intervalMs` until stopped; returns the peak seen. */
export function sampleRss(pid: number, intervalMs = 100) {
  let peakKb = 0;
  let hwmKb = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const memory = await readMemory(pid);
      if (memory) {
        peakKb = Math.max(peakKb, memory.rssKb);
        hwmKb = Math.max(hwmKb, memory.hwmKb);
      }
      await sleep(intervalMs);
    }
  })();
  return {
    async stop(): Promise<{ peakRssMb: number; hwmMb: number }> {
      running = false;
      await loop;
      const memory = await readMemory(pid);
      if (memory) {
        peakKb = Math.max(peakKb, memory.rssKb);
        hwmKb = Math.max(hwmKb, memory.hwmKb);
      }
      return { peakRssMb: round(peakKb / 1024, 1), hwmMb: round(hwmKb / 1024, 1) };
    },
  };
}

/** User + system CPU seconds of a process so far (Linux). */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in USER_HZ (100)
}
