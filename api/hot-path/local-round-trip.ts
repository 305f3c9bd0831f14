// The in-process hot path (HOT_PATH_IN_PROCESS): what the request's round trip answers
// (round-trip.ts), answered from this process's memory on the common path. Rate limits spend hits
// leased from the shared counters (leases.ts); the logout denylist and the order cache entry are
// read through Redis client-side caching (platform/redis-tracking.ts), which Redis keeps
// coherent by invalidating what changed. A request goes to Redis only for a new lease or a key
// not held yet. While the tracking connection is not trusted (down, reconnecting, or its last
// probe too old) every request takes the ordinary round trip, whose fallbacks (PostgreSQL for
// the denylist and the order) are the durable check. Bounds: docs/security.md, "The in-process
// hot path".
import type { Context } from "hono";
import { apiMetrics } from "../metrics/metrics.ts";
import type { TrackedReads } from "../platform/redis-tracking.ts";
import type { Prefetched, RoundTrip } from "./context.ts";
import type { LeasedCounters } from "./leases.ts";
import { type Count, validateRule } from "./rate-limit.ts";
import { countersFor, type HotPathOptions, type RoundTripper } from "./round-trip.ts";

/** The process's state for it, built once (deps.ts). */
export interface InProcessState {
  tracked: TrackedReads;
  leases: LeasedCounters;
  /** Told of each key this process wrote, and whether Redis acknowledged it (deps.ts). */
  changed(key: string, landed: boolean): void;
}

export interface LocalHotPathOptions
  extends Pick<HotPathOptions, "limits" | "session" | "denylist" | "prefetch">, InProcessState {
  /** The ordinary round trip, for whatever cannot be answered here. */
  roundTrip: RoundTripper;
}

export function createLocalRoundTrip(opts: LocalHotPathOptions): RoundTripper {
  const { tracked, leases, roundTrip, denylist } = opts;
  const limits = opts.limits.map(validateRule);

  const answered = {
    memory: apiMetrics.hotPathRequests.labels("memory"),
    redis: apiMetrics.hotPathRequests.labels("redis"),
    roundTrip: apiMetrics.hotPathRequests.labels("round_trip"),
  };
  const ordinary = (c: Context, sid?: string | null) => {
    answered.roundTrip.inc();
    return roundTrip.perform(c, sid);
  };

  async function perform(c: Context, sid?: string | null): Promise<RoundTrip | null> {
    if (!tracked.trusted()) return ordinary(c, sid);
    let counters = countersFor(limits, c);
    if (!Array.isArray(counters)) counters = await counters;
    sid ??= await opts.session(c);
    const cacheKey = opts.prefetch(c);
    if (counters.length === 0 && !sid && !cacheKey) return null;

    const keys: string[] = [];
    if (sid) keys.push(denylist.session(sid), denylist.complete);
    if (cacheKey) keys.push(cacheKey);
    const reading = keys.length > 0 ? tracked.read(keys) : [];
    let counts: Count[];
    let local = reading === null || Array.isArray(reading);
    try {
      const counting = leases.count(counters);
      if (Array.isArray(counting)) counts = counting;
      else {
        local = false;
        counts = await counting;
      }
    } catch {
      return ordinary(c, sid); // Redis unreachable: its fallbacks count and check
    }
    const values = reading === null || Array.isArray(reading) ? reading : await reading;
    if (values === null) {
      answered.roundTrip.inc();
      return { counters, counts, prefetched: await roundTrip.lookup(sid, cacheKey) };
    }
    (local ? answered.memory : answered.redis).inc();
    const prefetched: Prefetched = {};
    if (sid) {
      const [revoked, complete] = values;
      // Without the completeness marker (a Redis restarted empty) Redis cannot tell.
      prefetched.session = {
        sid,
        revoked: revoked !== null ? true : complete !== null ? false : null,
      };
    }
    if (cacheKey) prefetched.cache = { key: cacheKey, raw: values[keys.length - 1] };
    return { counters, counts, prefetched };
  }

  return { perform, lookup: roundTrip.lookup };
}
