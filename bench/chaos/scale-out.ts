// Scale-out (issue 7, item 7): two API processes and three workers in one consumer group share
// the load; one API and one worker are killed with SIGKILL mid-run. Clients retry their
// Idempotency-Key against the surviving API; every order must still take effect exactly once.
import { ORDER_TOPIC } from "../../common/events/order-created.ts";
import { sleep, until } from "./env.ts";
import { apiSlot, workerSlot } from "./procs.ts";
import type { Scenario } from "./scenario.ts";
import { groupMembers } from "./verify.ts";

export const scaleOut: Scenario = {
  name: "scale-out: 2 APIs + 3 workers, kill -9 one of each",
  postMs: 6_000,
  async fault(run) {
    const { cluster, notes } = run;
    const api2 = apiSlot("api-2", cluster.secret);
    const workers = ["worker-2", "worker-3"].map((name) => workerSlot(name, cluster.groupId));
    run.extras.push(api2, ...workers);
    await Promise.all([api2.start(), ...workers.map((w) => w.start())]);
    // Wait (bounded) until the rebalance gave each of the three workers partitions.
    let members: string[] = [];
    await until(
      async () => {
        members = await groupMembers(cluster.groupId, ORDER_TOPIC);
        return members.length === 3 && members.every((m) => !m.endsWith(": 0"));
      },
      30_000,
      500,
    );
    notes.push(`group members with partitions: ${members.join(", ")}`);
    // Both APIs now take requests (clients are spread over the live ones) for a while.
    const before = run.load.stats.requests;
    await sleep(4_000);
    notes.push(`${run.load.stats.requests - before} requests while both APIs ran`);
    await Promise.all([cluster.apis[0].kill("SIGKILL"), workers[0].kill("SIGKILL")]);
  },
  // Only the surviving API served the rest of the run; the killed one comes back for what
  // follows (the killed worker's partitions moved to the other two).
  async afterLoad({ cluster }) {
    await cluster.apis[0].start();
  },
};
