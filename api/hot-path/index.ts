// The hot path, behind one face: the request's single Redis round trip (rate limits, the
// logout denylist, the cache entry read along), the middleware that hands its answer to the
// chain, and the fast read that answers a cached GET outside the chain.
export type {
  AccessTokens,
  DenylistKeys,
  HandOver,
  HotPathAnswer,
  HotPathEnv,
  Prefetched,
  RoundTrip,
} from "./context.ts";
export { type CachedRead, withFastRead } from "./fast-read.ts";
export { createFinishResponse, finishing, type FinishResponse } from "./finish.ts";
export { hotPath } from "./middleware.ts";
export { type LimitRule, MemoryCounters, rateLimitHeaders, verdict } from "./rate-limit.ts";
export { createRoundTrip, type HotPathOptions, type RoundTripper } from "./round-trip.ts";
export { createLocalRoundTrip, type InProcessState } from "./local-round-trip.ts";
export { createLeasedCounters, type LeasedCounters } from "./leases.ts";
