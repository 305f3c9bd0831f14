// Faults of the backing services: PostgreSQL, Redis and Kafka, each broken under load.
import { kafka, postgres, redis } from "./infra.ts";
import { sleep } from "./env.ts";
import type { Scenario } from "./scenario.ts";

export const infraFaults: Scenario[] = [
  {
    name: "PostgreSQL terminate-all ×3",
    async fault(run) {
      for (let i = 0; i < 3; i++) {
        if (i > 0) await sleep(2_000);
        run.notes.push(`terminated ${await postgres.terminateAll()} sessions`);
      }
    },
  },
  {
    name: "PostgreSQL fast restart",
    fault: () => postgres.fastRestart().then(() => {}),
  },
  {
    name: "PostgreSQL stopped 20 s",
    fault: () => postgres.stopFor(20_000),
    postMs: 6_000,
  },
  {
    name: "PostgreSQL SIGSTOP 10 s",
    fault: () => postgres.freeze(10_000),
    postMs: 6_000,
  },
  {
    name: "Redis SIGSTOP 10 s",
    fault: () => redis.freeze(10_000),
    postMs: 5_000,
  },
  {
    name: "Redis restart",
    fault: () => redis.restart(),
  },
];

/** Last in the suite: a Kafka restart is the slowest fault on a busy machine. */
export const kafkaFaults: Scenario[] = [
  {
    name: "Kafka restart",
    fault: async (run) => void run.notes.push(await kafka.downFor(0)),
    postMs: 5_000,
  },
  {
    name: "Kafka down 30 s",
    fault: async (run) => void run.notes.push(await kafka.downFor(30_000)),
    postMs: 5_000,
  },
];
