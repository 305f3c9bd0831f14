// Runs the real worker (`bun run worker`) for the tests, each with its own consumer group and
// health port. Records for it come from kafka.ts.
import type postgres from "postgres";
import { EVENT_TOPICS } from "../../common/events/registry.ts";
import { BROKERS, DATABASE_URL, waitFor } from "./events.ts";
import { kafka } from "./kafka.ts";
import { serverPort } from "./ports.ts";

export interface Worker {
  groupId: string;
  port: number;
  /** HTTP status of GET /internal/alive, or 0 when nothing answers. */
  alive(): Promise<number>;
  /** GET /internal/ready: its status and JSON body (null on 204), status 0 when unanswered. */
  ready(): Promise<{ status: number; body: Record<string, string> | null }>;
  /** A sample's value from GET /metrics (`worker_paused{reason="outage"}`), NaN if absent. */
  metric(sample: string): Promise<number>;
  /** Signals the whole process group (`bun run` starts the worker as a child). */
  kill(signal: Deno.Signal): void;
  status: Promise<Deno.CommandStatus>;
  output(): string;
}

/**
 * Commits the group's offsets at the current end of every event topic, so the worker sees
 * only new records. A
 * short-lived member of the group commits them (admin.setOffsets would wait out a 5 s fetch).
 */
export async function startAtEnd(groupId: string) {
  const client = kafka();
  const admin = client.admin();
  await admin.connect();
  const topics = EVENT_TOPICS.map((topic) => topic.name);
  const ends = await Promise.all(
    topics.map(async (topic) =>
      (await admin.fetchTopicOffsets(topic)).map(({ partition, offset }) => ({
        topic,
        partition,
        offset,
      }))
    ),
  );
  await admin.disconnect();
  const consumer = client.consumer({ groupId, maxWaitTimeInMs: 100 });
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
  await consumer.connect();
  try {
    await consumer.subscribe({ topics });
    // Never handles anything: it pauses every batch before it is processed.
    await consumer.run({
      autoCommit: false,
      eachBatch: ({ pause }) => (pause(), Promise.resolve()),
    });
    await waitFor("throwaway member joined", () => joined, 30_000, 20);
    await consumer.commitOffsets(ends.flat());
  } finally {
    await consumer.disconnect();
  }
}

export function spawnWorker(groupId: string, port: number, env: Record<string, string> = {}) {
  const child = new Deno.Command("bun", {
    args: ["run", "worker"],
    env: {
      PATH: `${Deno.cwd()}/.tools/node_modules/.bin:${Deno.env.get("PATH") ?? ""}`,
      DATABASE_URL,
      KAFKA_BROKERS: BROKERS.join(","),
      KAFKA_GROUP_ID: groupId,
      WORKER_HEALTH_PORT: String(port),
      WORKER_SIMULATED_WORK_MS: "20",
      LOGGING_LVL: "INFO",
      ...env,
    },
    detached: true, // own process group, so SIGKILL reaches the worker behind `bun run`
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let text = "";
  const drain = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) text += chunk;
  };
  const drained = Promise.all([drain(child.stdout), drain(child.stderr)]);
  const worker: Worker = {
    groupId,
    port,
    async alive() {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/internal/alive`);
        await response.body?.cancel();
        return response.status;
      } catch {
        return 0;
      }
    },
    async ready() {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/internal/ready`);
        const text = await response.text();
        return { status: response.status, body: text ? JSON.parse(text) : null };
      } catch {
        return { status: 0, body: null };
      }
    },
    async metric(sample) {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const line = text.split("\n").find((l) => l.startsWith(`${sample} `));
      return line ? Number(line.slice(sample.length + 1)) : NaN;
    },
    kill(signal) {
      try {
        Deno.kill(-child.pid, signal);
      } catch { /* already gone */ }
    },
    status: child.status.then(async (status) => (await drained, status)),
    output: () => text,
  };
  return worker;
}

/** How many of these events (by event id, or by their order's id) are in processed_events. */
export async function processedCount(
  sql: postgres.Sql,
  ids: string[],
  by: "event_id" | "order_id" = "event_id",
): Promise<number> {
  const [{ n }] = await sql`select count(*)::int as n from processed_events
    where ${sql(by)} = any(${ids}::uuid[])`;
  return n;
}

/** Kills the worker (its whole process group) and waits for it to exit. */
export async function stopWorker(worker: Worker) {
  worker.kill("SIGKILL");
  await worker.status;
}

/** A fresh group at the end of the topic, and a worker that has joined it. */
export async function startWorker(env: Record<string, string> = {}, groupId?: string) {
  const group = groupId ?? `events-test-worker-${crypto.randomUUID()}`;
  if (!groupId) await startAtEnd(group);
  return await spawnAlive(group, env);
}

/** A worker connecting as a private role (db-role.ts), with no simulated work and one retry. */
export async function startWorkerAs(role: { url: string }) {
  return await startWorker({
    DATABASE_URL: role.url,
    WORKER_SIMULATED_WORK_MS: "0",
    WORKER_MAX_RETRIES: "1",
  });
}

/** A worker in a brand-new group with no committed offsets (a first deploy). */
export async function startFreshWorker(env: Record<string, string> = {}) {
  return await spawnAlive(`events-test-fresh-${crypto.randomUUID()}`, env);
}

async function spawnAlive(group: string, env: Record<string, string>) {
  const worker = spawnWorker(group, serverPort(), env); // below the ephemeral range: ports.ts
  try {
    await waitFor("worker alive", async () => (await worker.alive()) === 204, 60_000, 100);
  } catch (error) {
    worker.kill("SIGKILL");
    await worker.status;
    throw new Error(`${(error as Error).message}\nworker output:\n${worker.output()}`);
  }
  return worker;
}
