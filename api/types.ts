// Types shared by the app, its middleware and handlers.
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Passwords } from "./auth/passwords.ts";
import type { Tokens } from "./auth/tokens.ts";
import type { Config } from "./config.ts";
import type { Sql } from "./db.ts";
import type { Log } from "../common/logger.ts";
import type { OrderCache } from "./orders/orders.cache.ts";
import type { Redis } from "./redis.ts";
import type { Revocations } from "./auth/session-revocation.ts";
import type { RoundTrip } from "./middleware/hot-path.ts";

export interface AuthUser {
  id: string;
  role: "user" | "admin";
  /** The refresh-token family this session belongs to. */
  sid: string;
}

/** What the request's single Redis round trip found (api/middleware/hot-path.ts). */
export interface Prefetched {
  /** The bearer token's session; `revoked` is null when Redis could not tell (unreachable, or
   * its denylist not known to be complete). */
  session?: { sid: string; revoked: boolean | null };
  /** The cache entry read along, raw; null when absent (or Redis unreachable). */
  cache?: { key: string; raw: string | null };
}

export type AppEnv = {
  Bindings: {
    remoteAddr?: { hostname?: string };
    /** When the request arrived (performance.now()), if before the app saw it: the fast read
     * (orders/orders.fast-read.ts) hands over requests it does not answer itself. */
    receivedAt?: number;
    /** The Redis round trip the fast read already made for this request. */
    roundTrip?: RoundTrip;
  };
  Variables: {
    user: AuthUser;
    requestId: string;
    prefetched?: Prefetched;
    /** The rate-limit headers of this request, for an answer written outside hotPath's reach
     * (the request deadline's 503). */
    limitHeaders?: Record<string, string>;
  };
};

export type App = OpenAPIHono<AppEnv>;

export interface DependencyStatus {
  ok: boolean;
  detail?: string;
}

/** Everything the app needs from the outside world; main.ts and tests build it. */
export interface AppDeps {
  config: Config;
  sql: Sql;
  /** A small pool of its own for the outbox relay and its leader lock. */
  opsSql?: Sql;
  /** The readiness probe's one connection, which no relay query needs. */
  probeSql?: Sql;
  redis: Redis;
  cache: OrderCache;
  /** Logged-out sessions: recorded, pushed to Redis, checked (auth/session-revocation.ts). */
  revocations: Revocations;
  passwords: Passwords;
  tokens: Tokens;
  log: Log;
  /** Extra readiness checks (the Kafka producer, when the relay runs in this process). */
  readinessChecks?: Record<string, () => Promise<DependencyStatus> | DependencyStatus>;
}
