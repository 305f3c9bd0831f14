// The worker's consumer after a crash kafkajs will not restart from (chaos found one: "Failed to
// find group coordinator" while a restarted broker loads its group state, which used to exit
// the worker). It starts again in process, with backoff; only a consumer that stays out of its
// group past giveUpAfterMs is handed to onFatal. kafkajs is an in-process fake here; the chaos
// suite's "Kafka restart" row runs this against the real broker.
import assert from "node:assert/strict";
import type { Kafka, Producer } from "kafkajs";
import { createOrderConsumer } from "../../worker/consumer.ts";

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

async function waitFor(what: string, check: () => boolean, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
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
  await waitFor("a second run", () => calls.filter((c) => c === "run").length === 2);
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

Deno.test("worker consumer: out of its group past giveUpAfterMs, the crash is fatal", async () => {
  const { consumer, calls, emit, fatal } = consumerWith(0);
  await consumer.start();
  emit(EVENTS.CRASH, coordinatorLost);
  assert.deepEqual(fatal, [coordinatorLost.error]);
  assert.deepEqual(calls, ["connect", "subscribe", "run"], "not restarted");
  await consumer.stop();
});
