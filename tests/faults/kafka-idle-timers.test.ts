// An idle Kafka connection must not keep the process busy: kafkajs 2.2.4 armed a timer every
// millisecond per broker connection for as long as the process ran (tulios/kafkajs#1704), which
// cost the idle API and worker a few percent of a core each and showed as a
// TimeoutNegativeWarning on stderr. patches/kafkajs@2.2.4.patch arms the check only while
// requests are pending or the broker throttles. Checked under both runtimes, on the real broker.
import { ok } from "node:assert/strict";
import { bunPath, runChild } from "../helpers/child.ts";
import { testEnv } from "../helpers/config.ts";

const FIXTURE = "tests/fixtures/kafka-idle-timers.ts";
const env = () => ({
  PATH: Deno.env.get("PATH")!,
  KAFKA_BROKERS: testEnv().KAFKA_BROKERS,
  TOPIC: `idle-timers-${crypto.randomUUID()}`,
});

function assertQuiet(result: Awaited<ReturnType<typeof runChild>>) {
  const detail = `${result.stdout}\n${result.stderr}`;
  ok(result.code === 0 && !result.timedOut, detail);
  const { timers, seconds } = JSON.parse(result.stdout.trim().split("\n").at(-1)!);
  // A healthy idle client arms a handful (heartbeats, request timeouts); the loop ~1,000/s.
  ok(timers / seconds < 50, `kafkajs armed ${timers} timers in ${seconds} s of idling`);
  ok(!result.stderr.includes("TimeoutNegativeWarning"), result.stderr);
}

Deno.test("Deno: an idle kafkajs producer arms no timer loop", async () => {
  assertQuiet(await runChild(Deno.execPath(), ["run", "--allow-all", FIXTURE], { env: env() }));
});

Deno.test("Bun: an idle kafkajs producer arms no timer loop", async () => {
  assertQuiet(await runChild(bunPath(), [FIXTURE], { env: env() }));
});
