// What the hot path hands to the rest of a request, typed in one place: the fast read's
// hand-over to the app (on the request's env) and the round trip's answer (on the context).
import type { Count, Counter } from "./rate-limit.ts";

/** What the request's single Redis round trip found. */
export interface Prefetched {
  /** The bearer token's session; `revoked` is null when Redis could not tell (unreachable, or
   * its denylist not known to be complete). */
  session?: { sid: string; revoked: boolean | null };
  /** The cache entry read along, raw; null when absent (or Redis unreachable). */
  cache?: { key: string; raw: string | null };
}

/** What the round trip answered for one request. */
export interface RoundTrip {
  counters: Counter[];
  counts: Count[];
  prefetched: Prefetched;
}

/** A request the fast read did not answer itself, as it hands it to the app. */
export interface HandOver {
  /** When the request arrived (performance.now()): its deadline and duration count from it. */
  receivedAt: number;
  /** The round trip already made for it, so it is counted once; null when none was made. */
  roundTrip: RoundTrip | null;
}

/** The round trip's answer, for the middleware and handlers after it. */
export interface HotPathAnswer {
  prefetched: Prefetched;
  /** The request's rate-limit headers, for an answer written outside the hot path's reach
   * (the request deadline's 503). */
  limitHeaders?: Record<string, string>;
}

export type HotPathEnv = {
  Bindings: { handOver?: HandOver };
  Variables: { hotPath?: HotPathAnswer };
};

/** Where the logout denylist keeps a session's entry, and its completeness marker. */
export interface DenylistKeys {
  session: (sid: string) => string;
  complete: string;
}

/** The access token check the hot path needs (auth/tokens.ts). */
export interface AccessTokens {
  verify(use: "access", token: string): Promise<{ sub: string; sid: string; role?: string }>;
}
