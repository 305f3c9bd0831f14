// Keys read through Redis client-side caching (RESP3 `CLIENT TRACKING`): a value read once is
// kept in this process, and Redis tells this connection when the key changes, so a repeated read
// costs no round trip. Used by the in-process hot path (hot-path/local-round-trip.ts) for the
// order cache entry and the logout denylist.
//
// Coherence: an invalidation drops the key; one that arrives while the key is being fetched
// keeps the fetched value out of the cache. A reconnect (invalidations may have been lost) or a
// flush from Redis empties it all. And the local copy is trusted only while a PING sent at most
// `trustMs` ago has been answered: Redis answers on this connection in order, so every
// invalidation of a change made before that PING reached Redis has been applied. A stalled
// Redis (SIGSTOP, a dead peer) therefore stops the local reads within `trustMs`
// (docs/security.md, "The in-process hot path").
import { createClient } from "@redis/client";
import type { Log } from "../../common/logger.ts";
import { closeClient } from "./redis.ts";

export interface TrackedReadsOptions {
  url: string;
  log: Log;
  /** How often the connection is probed. */
  pingIntervalMs: number;
  /** How old the last answered probe may be for the local copy to be served. */
  trustMs: number;
  /** A fetch of missing keys gives up after this long (the caller then asks elsewhere). */
  fetchTimeoutMs: number;
  /** Entries kept; the oldest go first. */
  maxEntries: number;
  /** A connection silent this long (a hung peer: no probe answered) is dropped and reopened. */
  socketTimeoutMs: number;
}

export interface TrackedReads {
  /** The keys' values (null: no such key): at once when all are held locally, else after one
   * MGET; null when the local copy cannot be trusted or the fetch failed. */
  read(keys: string[]): (string | null)[] | Promise<(string | null)[] | null> | null;
  /** Whether local reads are being served (connected, and the last probe recent). */
  trusted(): boolean;
  /** Drops a key this process has just written, without waiting for Redis's invalidation. */
  forget(key: string): void;
  /** A write of this process did not land in Redis: nothing is served from memory (Redis still
   * holds the old value) until `resume` is called with a time after this call. */
  suspend(): void;
  /** A repair pass that started at `passStartedAt` (performance.now()) pushed every write
   * not yet acknowledged: ends a suspension begun before it. */
  resume(passStartedAt: number): void;
  /** Entries held, for tests and metrics. */
  size(): number;
  close(): Promise<void>;
}

export const TRACKING_CLIENT_NAME = "order-service-tracking";

interface Fetch {
  stale: boolean;
  /** Fetches of the key in flight. */
  waiting: number;
}

export function createTrackedReads(opts: TrackedReadsOptions): TrackedReads {
  const { log, trustMs, maxEntries } = opts;
  const entries = new Map<string, string | null>();
  // Keys being fetched: an invalidation meanwhile marks the fetch stale, so it is not kept.
  const fetching = new Map<string, Fetch>();
  let answeredSentAt = -Infinity; // when the last answered probe was sent
  let closed = false;

  function flush() {
    entries.clear();
    for (const fetch of fetching.values()) fetch.stale = true;
  }
  function forget(key: string) {
    entries.delete(key);
    const fetch = fetching.get(key);
    if (fetch) fetch.stale = true;
  }

  const client = createClient({
    url: opts.url,
    name: TRACKING_CLIENT_NAME, // CLIENT LIST shows which connection it is
    RESP: 3,
    emitInvalidate: true,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 1_000,
      socketTimeout: opts.socketTimeoutMs,
      reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 2_000),
    },
  });
  client.on("invalidate", (key: unknown) => key === null ? flush() : forget(String(key)));
  // Whatever was missed while the connection was down or re-established is unknown.
  let down = false;
  client.on("error", (error: Error) => {
    flush();
    answeredSentAt = -Infinity;
    if (!down) log("warning", "redis tracking connection lost", { error: error.message });
    down = true;
  });
  for (const event of ["end", "reconnecting", "ready"]) {
    client.on(event, () => {
      flush();
      answeredSentAt = -Infinity;
      if (event === "ready" && down) {
        log("info", "redis tracking connection back");
        down = false;
      }
    });
  }
  client.connect().catch(() => {}); // reconnects in the background; errors arrive via "error"

  let probing = false;
  const probe = setInterval(async () => {
    if (probing || !client.isReady) return;
    probing = true;
    const sentAt = performance.now();
    try {
      await client.ping();
      if (client.isReady) answeredSentAt = Math.max(answeredSentAt, sentAt);
    } catch { /* the next probe tries again; trust lapses meanwhile */ }
    probing = false;
  }, opts.pingIntervalMs);
  Deno.unrefTimer(probe);

  let suspendedAt: number | null = null;
  let wasTrusted = false;
  function trusted() {
    const now = suspendedAt === null && client.isReady &&
      performance.now() - answeredSentAt <= trustMs;
    // Trust lapsed: nothing held from before may be served once it returns.
    if (wasTrusted && !now) flush();
    wasTrusted = now;
    return now;
  }

  function keep(key: string, value: string | null) {
    if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
    entries.set(key, value);
  }

  async function fetch(keys: string[], values: (string | null)[], missing: number[]) {
    const marks = missing.map((i) => {
      let mark = fetching.get(keys[i]);
      if (!mark) fetching.set(keys[i], mark = { stale: false, waiting: 0 });
      mark.waiting++;
      return mark;
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const fetched = await Promise.race([
        client.mGet(missing.map((i) => keys[i])),
        new Promise<null>((resolve) =>
          timer = setTimeout(() => resolve(null), opts.fetchTimeoutMs)
        ),
      ]);
      if (!fetched) return null;
      missing.forEach((i, n) => {
        const value = fetched[n] === null ? null : String(fetched[n]);
        values[i] = value;
        if (!marks[n].stale && !closed) keep(keys[i], value);
      });
      return values;
    } catch {
      return null;
    } finally {
      clearTimeout(timer);
      for (let n = 0; n < missing.length; n++) {
        if (--marks[n].waiting === 0) fetching.delete(keys[missing[n]]);
      }
    }
  }

  return {
    read(keys) {
      if (!trusted()) return null;
      const values: (string | null)[] = new Array(keys.length);
      let missing: number[] | undefined;
      for (let i = 0; i < keys.length; i++) {
        const value = entries.get(keys[i]);
        if (value === undefined && !entries.has(keys[i])) (missing ??= []).push(i);
        else values[i] = value ?? null;
      }
      return missing ? fetch(keys, values, missing) : values;
    },
    trusted,
    forget,
    suspend() {
      flush();
      suspendedAt = performance.now();
    },
    resume(passStartedAt) {
      if (suspendedAt !== null && passStartedAt > suspendedAt) suspendedAt = null;
    },
    size: () => entries.size,
    async close() {
      closed = true;
      clearInterval(probe);
      flush();
      await closeClient(client);
    },
  };
}
