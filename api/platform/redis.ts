// One node-redis client per process. It fails fast instead of queueing while Redis is down
// (callers fall back to PostgreSQL or fail open), and reconnects by itself in the background.
// The client alone: the `redis` package would also load its bloom, JSON, search and
// time-series modules (about 25 MB more per process) that this service never uses.
import { createClient } from "@redis/client";
import type { Config } from "../config.ts";
import type { Log } from "../../common/logger.ts";

function connectClient(config: Config["redis"]) {
  return createClient({
    url: config.url,
    disableOfflineQueue: true,
    // A hung Redis (SIGSTOP, a dead peer without a reset) is noticed: the ping keeps a healthy
    // idle connection busy, and a socket silent for socketTimeout is destroyed and reconnected.
    pingInterval: config.pingIntervalMs,
    socket: {
      connectTimeout: 1_000,
      socketTimeout: config.socketTimeoutMs,
      reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 2_000),
    },
  });
}

export type RedisClient = ReturnType<typeof connectClient>;

export interface Redis {
  /** Runs commands with the configured timeout; rejects at once while disconnected, and for a
   * while after a timeout (the fail-fast below). */
  run<T>(command: (client: RedisClient) => Promise<T>): Promise<T>;
  /** Like run, but sent even in the fail-fast window: for the writes the contract depends on
   * (redis-acknowledged.ts), which must not be dropped because another command timed out. */
  send<T>(command: (client: RedisClient) => Promise<T>): Promise<T>;
  /** Connected (not down or reconnecting). */
  ready(): boolean;
  readonly commandTimeoutMs: number;
  /** The raw client, for tests and tools. */
  client(): RedisClient;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * A Lua script run with EVALSHA: one round trip, without resending the source. The hash is
 * computed locally (no SCRIPT LOAD that could fail while Redis is down); on NOSCRIPT (a new
 * or restarted server) the source is sent once with EVAL, which also caches it there.
 */
export function redisScript(redis: Redis, source: string) {
  if (!source.trim()) throw new Error("redisScript: source is required");
  let sha = "";
  const ready = crypto.subtle.digest("SHA-1", new TextEncoder().encode(source)).then((digest) => {
    sha = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
  });
  return {
    /** `send`: through Redis.send, for a write the contract depends on. */
    async run(keys: string[], args: string[], opts: { send?: boolean } = {}): Promise<unknown> {
      if (!sha) await ready;
      const options = { keys, arguments: args };
      const call = <T>(command: (client: RedisClient) => Promise<T>) =>
        opts.send ? redis.send(command) : redis.run(command);
      try {
        return await call((c) => c.evalSha(sha, options));
      } catch (error) {
        if (!String((error as Error)?.message).startsWith("NOSCRIPT")) throw error;
        return await call((c) => c.eval(source, options));
      }
    },
  };
}

export class RedisUnavailableError extends Error {
  override name = "RedisUnavailableError";
}

// node-redis can stop reconnecting after a server restart, silently (redis/node-redis#3346:
// not ready, no more events; CI saw a restarted Redis never reached again). A live reconnect
// loop reports within backoff (≤ 2 s) + connect timeout (1 s), so a client that is not ready and
// has said nothing for this long is replaced.
const STALLED_MS = 5_000;

/** Timed-out commands are swept every max(this, a fifth of the command timeout): a command is
 * noticed as timed out up to that much late (app.ts bounds the fast read's wait with it). */
export const TIMEOUT_SWEEP_FLOOR_MS = 10;

export function createRedis(config: Config["redis"], log: Log): Redis {
  let down = false;
  let heardAt = performance.now(); // the current client's last lifecycle event
  let raw!: RedisClient;
  function open(): RedisClient {
    const client = connectClient(config);
    const heard = () => client === raw && (heardAt = performance.now());
    client.on("error", (error: Error) => {
      heard();
      if (!down) log("warning", "redis unavailable", { error: error.message });
      down = true;
    });
    client.on("ready", () => {
      heard();
      if (down) log("info", "redis reconnected");
      down = false;
    });
    client.on("connect", heard);
    client.on("reconnecting", heard);
    client.connect().catch(() => {}); // reconnects in the background; errors arrive via "error"
    return client;
  }
  raw = open();

  // Command timeouts without a timer per command: node-redis's own per-command timeout costs
  // an AbortSignal and a DOMException each, the largest item in a profile of cached GETs.
  // One sweep rejects every waiter past its deadline (the command itself may still finish).
  const waiting = new Set<{ deadline: number; reject: (error: Error) => void }>();
  // After a timeout, commands fail at once for a while (then one round is let through to
  // probe), so a Redis that hangs under load costs each request nothing instead of a timeout.
  // Writes the contract depends on go through `send`, which the window does not refuse.
  let failFastUntil = 0;
  // Since when every command has timed out, none answered (0: the last one answered). A client
  // can also report ready after a restart and then answer nothing at all (seen under load: 30 s
  // of timeouts on a "ready" client); it is replaced like one that stopped reconnecting.
  let silentSince = 0;
  function replace(why: string, now: number) {
    log("warning", why);
    const stalled = raw;
    raw = open();
    heardAt = now;
    silentSince = 0;
    failFastUntil = 0;
    try {
      stalled.destroy();
    } catch { /* already closed */ }
  }
  const sweep = setInterval(() => {
    const now = performance.now();
    if (!raw.isReady && now - heardAt > STALLED_MS) {
      replace("redis client stopped reconnecting; replacing it", now);
    } else if (silentSince > 0 && now - silentSince > STALLED_MS) {
      replace("redis client answers nothing; replacing it", now);
    }
    for (const waiter of waiting) {
      if (waiter.deadline > now) continue;
      waiting.delete(waiter);
      failFastUntil = now + 2 * config.commandTimeoutMs;
      if (silentSince === 0) silentSince = now;
      waiter.reject(new RedisUnavailableError("redis command timed out"));
    }
  }, Math.max(TIMEOUT_SWEEP_FLOOR_MS, Math.floor(config.commandTimeoutMs / 5)));

  function client() {
    if (!raw.isReady) throw new RedisUnavailableError("redis is not connected");
    return raw;
  }

  function send<T>(command: (client: RedisClient) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const waiter = { deadline: performance.now() + config.commandTimeoutMs, reject };
      waiting.add(waiter);
      Promise.resolve().then(() => command(client())).then(
        (value) => {
          failFastUntil = 0;
          silentSince = 0;
          if (waiting.delete(waiter)) resolve(value);
        },
        (error) => {
          // A reply, even an error reply, is an answer; "not connected" is not.
          if (!(error instanceof RedisUnavailableError)) silentSince = 0;
          waiting.delete(waiter) && reject(error);
        },
      );
    });
  }

  return {
    client,
    send,
    ready: () => raw.isReady,
    commandTimeoutMs: config.commandTimeoutMs,
    run<T>(command: (client: RedisClient) => Promise<T>): Promise<T> {
      if (failFastUntil > performance.now()) {
        return Promise.reject(new RedisUnavailableError("redis is not answering"));
      }
      return send(command);
    },
    async ping() {
      try {
        return await this.run((c) => c.ping()) === "PONG";
      } catch {
        return false;
      }
    },
    async close() {
      clearInterval(sweep);
      await closeClient(raw);
    },
  };
}

/**
 * Closes a node-redis client: gracefully (its pending replies first) only when ready, and for a
 * second at most, since close() waits for every reply still owed, which a hung Redis never sends,
 * and on a client reconnecting to a dead Redis can wait forever. Then it is destroyed.
 */
export async function closeClient(
  client: { isReady: boolean; close(): Promise<unknown>; destroy(): void },
): Promise<void> {
  if (client.isReady) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const closed = await Promise.race([
      client.close().then(() => true, () => false),
      new Promise<false>((resolve) => timer = setTimeout(() => resolve(false), 1_000)),
    ]);
    clearTimeout(timer);
    if (closed) return;
  }
  try {
    client.destroy();
  } catch { /* already closed */ }
}
