// One node-redis client per process. It fails fast instead of queueing while Redis is down
// (callers fall back to PostgreSQL or fail open), and reconnects by itself in the background.
import { createClient } from "redis";
import type { Config } from "./config.ts";
import type { Log } from "./lib/logger.ts";

export type RedisClient = ReturnType<typeof createClient>;

export interface Redis {
  /** The client with a per-command timeout; throws at once while disconnected. */
  client(): RedisClient;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export class RedisUnavailableError extends Error {
  override name = "RedisUnavailableError";
}

export function createRedis(config: Config["redis"], log: Log): Redis {
  const raw = createClient({
    url: config.url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 1_000,
      reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 2_000),
    },
  });
  let down = false;
  raw.on("error", (error: Error) => {
    if (!down) log("warning", "redis unavailable", { error: error.message });
    down = true;
  });
  raw.on("ready", () => {
    if (down) log("info", "redis reconnected");
    down = false;
  });
  raw.connect().catch(() => {}); // reconnects in the background; errors arrive via "error"
  const timed = raw.withCommandOptions({ timeout: config.commandTimeoutMs }) as RedisClient;

  return {
    client() {
      if (!raw.isReady) throw new RedisUnavailableError("redis is not connected");
      return timed;
    },
    async ping() {
      try {
        return raw.isReady && (await timed.ping()) === "PONG";
      } catch {
        return false;
      }
    },
    async close() {
      if (raw.isOpen) await raw.close().catch(() => raw.destroy());
      else raw.destroy();
    },
  };
}
