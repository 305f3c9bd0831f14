// Stops and restarts the shared local broker (the one scripts/services.sh started) for the
// tests that exercise a Kafka outage.
import assert from "node:assert/strict";
import { waitFor } from "./events.ts";

const PID_FILE = ".data/run/kafka.pid";
// Only the broker started by scripts/services.sh can be stopped and restarted here.
export const localBroker = (() => {
  try {
    return Deno.statSync(PID_FILE).isFile;
  } catch {
    return false;
  }
})();

function alive(pid: number): boolean {
  try {
    Deno.kill(pid, "SIGCONT"); // signal 0 is not offered; SIGCONT is harmless to a runner
    return true;
  } catch {
    return false;
  }
}

export async function stopKafka() {
  const pid = Number(Deno.readTextFileSync(PID_FILE).trim());
  Deno.kill(pid, "SIGTERM");
  await waitFor("kafka to exit", () => !alive(pid), 60_000, 100);
}

export async function startKafka() {
  const { success, stderr } = await new Deno.Command("bash", {
    args: ["scripts/services.sh", "up"],
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.ok(success, new TextDecoder().decode(stderr));
}
