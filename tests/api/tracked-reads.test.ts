// Redis client-side caching (api/platform/redis-tracking.ts) against a real Redis: what is held
// in memory is dropped when it changes, when the connection is lost, and while Redis stalls.
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { createClient } from "@redis/client";
import { test } from "../helpers/app.ts";
import { testEnv } from "../helpers/config.ts";
import { privateRedis } from "../helpers/processes.ts";
import { waitFor } from "../helpers/wait.ts";
import { createLogger } from "../../common/logger.ts";
import {
  createTrackedReads,
  type TrackedReads,
  TRACKING_CLIENT_NAME,
} from "../../api/platform/redis-tracking.ts";

const TRUST_MS = 300;

const connect = (url: string) => createClient({ url }).connect();
type Writer = Awaited<ReturnType<typeof connect>>;

async function withTracked(
  url: string,
  run: (tracked: TrackedReads, writer: Writer) => Promise<void>,
) {
  const tracked = createTrackedReads({
    url,
    log: createLogger("critical"),
    pingIntervalMs: 50,
    trustMs: TRUST_MS,
    fetchTimeoutMs: 500,
    maxEntries: 100,
    socketTimeoutMs: 5_000,
  });
  const writer = await connect(url);
  try {
    await waitFor(() => tracked.trusted(), { what: "the tracking connection" });
    await run(tracked, writer);
  } finally {
    await writer.close();
    await tracked.close();
  }
}

/** Held: answered at once, without a fetch. */
const held = (tracked: TrackedReads, key: string) => {
  const values = tracked.read([key]);
  return Array.isArray(values) ? values[0] : undefined;
};

test("a key read once is answered from memory until another client changes it", async () => {
  await withTracked(testEnv().REDIS_URL, async (tracked, writer) => {
    const key = `tracked-test:${crypto.randomUUID()}`;
    await writer.set(key, "v1");
    deepStrictEqual(await tracked.read([key, `${key}:absent`]), ["v1", null]);
    strictEqual(held(tracked, key), "v1");
    strictEqual(held(tracked, `${key}:absent`), null, "a missing key is held as missing");
    await writer.set(key, "v2");
    await waitFor(() => held(tracked, key) === undefined, { what: "the invalidation" });
    deepStrictEqual(await tracked.read([key]), ["v2"]);
    strictEqual(held(tracked, key), "v2");
  });
});

test("a fetch whose key is changed meanwhile is answered but not kept", async () => {
  await withTracked(testEnv().REDIS_URL, async (tracked, writer) => {
    const key = `tracked-test:${crypto.randomUUID()}`;
    await writer.set(key, "v1");
    const reading = tracked.read([key]);
    ok(reading instanceof Promise);
    tracked.forget(key); // as this process does after writing the key
    deepStrictEqual(await reading, ["v1"]);
    strictEqual(held(tracked, key), undefined);
  });
});

test("a lost tracking connection empties the memory: a change made meanwhile is not served", async () => {
  await withTracked(testEnv().REDIS_URL, async (tracked, writer) => {
    const key = `tracked-test:${crypto.randomUUID()}`;
    await writer.set(key, "v1");
    await tracked.read([key]);
    strictEqual(held(tracked, key), "v1");
    const clients = String(await writer.sendCommand(["CLIENT", "LIST"])).split("\n");
    const ids = clients.filter((line) => line.includes(`name=${TRACKING_CLIENT_NAME} `))
      .map((line) => /id=(\d+)/.exec(line)![1]);
    ok(ids.length > 0, "the tracking connection is named");
    for (const id of ids) await writer.sendCommand(["CLIENT", "KILL", "ID", id]);
    await writer.set(key, "v2"); // no invalidation can reach the killed connection
    await waitFor(() => tracked.trusted() && tracked.size() === 0, {
      what: "the connection back, empty",
    });
    deepStrictEqual(await tracked.read([key]), ["v2"]);
  });
});

test("a stalled Redis is not trusted once its last answer is older than the trust window", async () => {
  const redis = await privateRedis();
  try {
    await withTracked(redis.url, async (tracked, writer) => {
      await writer.set("k", "v1");
      await tracked.read(["k"]);
      strictEqual(held(tracked, "k"), "v1");
      redis.freeze();
      // Trust lapses TRUST_MS after the last answered probe was sent, by the clock alone.
      await waitFor(() => !tracked.trusted(), { what: "trust to lapse" });
      strictEqual(tracked.read(["k"]), null, "nothing is served from memory");
      redis.thaw();
      await waitFor(() => tracked.trusted(), { what: "trust back" });
      strictEqual(tracked.size(), 0, "what was held before the stall is gone");
    });
  } finally {
    redis.thaw();
    await redis.stop();
  }
});

test("after a write that did not land, memory answers nothing until a later repair pass", async () => {
  await withTracked(testEnv().REDIS_URL, async (tracked, writer) => {
    const key = `tracked-test:${crypto.randomUUID()}`;
    await writer.set(key, "v1");
    await tracked.read([key]);
    const before = performance.now();
    tracked.suspend();
    strictEqual(tracked.read([key]), null);
    tracked.resume(before); // a pass that started before the write proves nothing
    strictEqual(tracked.read([key]), null);
    tracked.resume(performance.now());
    deepStrictEqual(await tracked.read([key]), ["v1"]);
  });
});

test("closing while Redis hangs gives up on the replies owed", async () => {
  const redis = await privateRedis();
  try {
    const tracked = createTrackedReads({
      url: redis.url,
      log: createLogger("critical"),
      pingIntervalMs: 50,
      trustMs: TRUST_MS,
      fetchTimeoutMs: 200,
      maxEntries: 100,
      socketTimeoutMs: 60_000,
    });
    await waitFor(() => tracked.trusted(), { what: "the tracking connection" });
    redis.freeze();
    strictEqual(await tracked.read(["k"]), null, "the fetch gave up"); // a reply still owed
    let closed = false;
    tracked.close().then(() => closed = true);
    await waitFor(() => closed, { what: "close() to return", timeoutMs: 5_000 });
  } finally {
    redis.thaw();
    await redis.stop();
  }
});
