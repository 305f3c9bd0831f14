// The worker's consumer after a crash kafkajs will not restart from (chaos found one: "Failed to
// find group coordinator" while a restarted broker loads its group state, which used to exit
// the worker). It starts again in process, with backoff; only a consumer that stays out of its
// group past giveUpAfterMs is handed to onFatal (worker/crash-recovery.ts). kafkajs is an
// in-process fake here; the chaos suite's "Kafka restart" row runs against the real broker.
import assert from "node:assert/strict";
import type { Kafka, Producer } from "kafkajs";
import { createOrderConsumer } from "../../worker/consumer.ts";
import { createCrashRecovery } from "../../worker/crash-recovery.ts";
import { waitFor } from "../helpers/wait.ts";

const EVENTS = { GROUP_JOIN: "consumer.group_join", CRASH: "consumer.crash" };

function fakeKafka() {
  const listeners = new Map<string, ((event: { payload: unknown }) => void)[]>();
  const calls: string[] = [];
  const consumer = {
    events: EVENTS,
    on(name: string, listener: (event: { payload: unknown }) => void) {
      listeners.set(name, [...(listeners.get(name) ?? []), listener]);
    },
    connect: () => Promise.resolve(void calls.push("connect")),
    subscribe: () => Promise.resolve(void calls.push("subscribe")),
    run: () => Promise.resolve(void calls.push("run")),
    disconnect: () => Promise.resolve(void calls.push("disconnect")),
  };
  const emit = (name: string, payload: unknown) =>
    listeners.get(name)?.forEach((listener) => listener({ payload }));
  return { kafka: { consumer: () => consumer } as unknown as Kafka, calls, emit };
}

function consumerWith(giveUpAfterMs: number) {
  const fake = fakeKafka();
  const fatal: unknown[] = [];
  const consumer = createOrderConsumer({
    kafka: fake.kafka,
    groupId: "unit",
    sessionTimeoutMs: 30_000,
    concurrency: 1,
    handle: () => Promise.reject(new Error("no records in this test")),
    dlqProducer: {} as Producer,
    log: () => {},
    onFatal: (error) => fatal.push(error),
    giveUpAfterMs,
  });
  return { ...fake, fatal, consumer };
}

const coordinatorLost = {
  error: new Error("KafkaJSNonRetriableError: Failed to find group coordinator"),
  restart: false,
};

Deno.test("worker consumer: a crash kafkajs gives up on is restarted in process", async () => {
  const { consumer, calls, emit, fatal } = consumerWith(60_000);
  await consumer.start();
  emit(EVENTS.GROUP_JOIN, {});
  assert.deepEqual(calls, ["connect", "subscribe", "run"]);
  assert.equal(consumer.isRunning(), true);

  emit(EVENTS.CRASH, coordinatorLost);
  assert.equal(consumer.isRunning(), false, "out of the group until it rejoins");
  await waitFor(() => calls.filter((c) => c === "run").length === 2, { what: "a second run" });
  assert.deepEqual(calls.slice(3), ["connect", "subscribe", "run"]);
  assert.deepEqual(fatal, [], "the process is not given up on");
  emit(EVENTS.GROUP_JOIN, {});
  assert.equal(consumer.isRunning(), true);
  await consumer.stop();
});

Deno.test("worker consumer: a crash kafkajs restarts itself is left to kafkajs", async () => {
  const { consumer, calls, emit, fatal } = consumerWith(60_000);
  await consumer.start();
  emit(EVENTS.CRASH, { error: new Error("retriable"), restart: true });
  await new Promise((resolve) => setTimeout(resolve, 1_500)); // past the first restart delay
  assert.deepEqual(calls, ["connect", "subscribe", "run"], "no second run of ours");
  assert.deepEqual(fatal, []);
  await consumer.stop();
});

Deno.test("worker consumer: a long-standing member is restarted too, not given up on", async () => {
  // The give-up clock starts at the crash, not at the last join.
  const { consumer, calls, emit, fatal } = consumerWith(200);
  await consumer.start();
  emit(EVENTS.GROUP_JOIN, {});
  await new Promise((resolve) => setTimeout(resolve, 300));
  emit(EVENTS.CRASH, coordinatorLost);
  await waitFor(() => calls.filter((c) => c === "run").length === 2, { what: "a second run" });
  assert.deepEqual(fatal, []);
  await consumer.stop();
});

Deno.test("crash recovery: out of the group past giveUpAfterMs, it hands over to onFatal", async () => {
  let starts = 0;
  const fatal: unknown[] = [];
  const recovery = createCrashRecovery({
    start: () => Promise.reject(new Error(`start ${++starts} refused`)),
    disconnect: () => Promise.resolve(),
    giveUpAfterMs: 150,
    onFatal: (error) => fatal.push(error),
    log: () => {},
    baseDelayMs: 10,
    maxDelayMs: 20,
  });
  recovery.crashed(coordinatorLost.error, false);
  await waitFor(() => fatal.length > 0, { what: "onFatal" });
  assert.ok(starts >= 3, `kept trying until then (${starts} starts)`);
  assert.match(String(fatal[0]), /refused/);
  const after = starts;
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(starts, after, "no attempt after giving up");
  assert.equal(fatal.length, 1);
  await recovery.stop();
});

Deno.test("crash recovery: stop waits for a start under way and schedules no more", async () => {
  const events: string[] = [];
  let finishStart = () => {};
  const recovery = createCrashRecovery({
    start: () => {
      events.push("start");
      return new Promise<void>((resolve) => (finishStart = resolve)).then(() => {
        events.push("started");
        throw new Error("join failed"); // would schedule another attempt if not stopped
      });
    },
    disconnect: () => Promise.resolve(void events.push("disconnect")),
    giveUpAfterMs: 60_000,
    onFatal: () => events.push("fatal"),
    log: () => {},
    baseDelayMs: 10,
  });
  recovery.crashed(coordinatorLost.error, false);
  await waitFor(() => events.includes("start"), { what: "a start under way" });
  const stopped = recovery.stop().then(() => events.push("stopped"));
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(events, ["start"], "stop is still waiting for the start");
  finishStart();
  await stopped;
  assert.deepEqual(events, ["start", "started", "disconnect", "stopped"]);
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.deepEqual(events, ["start", "started", "disconnect", "stopped"], "nothing after stop");
});
