// Writes the contract depends on: a changed order's cache entry and a logout's revocation
// (docs/security.md, "Redis writes under partial failure"). Unlike other commands they are sent
// even while redis.ts fails fast after a timeout, and retried, one after another, until Redis
// acknowledges them or the request has no time left to wait. Either way the caller committed a
// durable record first, which the background repair (redis-repair.ts) pushes until it lands.
import { requestDeadline } from "../request-deadline/scope.ts";
import type { Redis } from "./redis.ts";

/** Time left to answer once the last attempt gave up: the response and a last statement. */
const ANSWER_MARGIN_MS = 250;
/** A pause between attempts that failed at once (a Redis error reply, not a timeout). */
const RETRY_PAUSE_MS = 50;

/** The longest one attempt can take: redis.ts notices a timeout at its next sweep, which runs
 * five times per command timeout. */
const attemptMs = (redis: Redis) => redis.commandTimeoutMs * 1.2 + 10;

/**
 * Makes `attempt` (a command through `Redis.send`) until Redis acknowledges it: true then. False
 * when Redis is not connected (down or restarting: the durable record takes over, and the answer
 * need not wait for a reconnection) or when another attempt would not end before the current
 * request's deadline. Outside a request it is made once.
 */
export async function writeAcknowledged(
  redis: Redis,
  attempt: () => Promise<unknown>,
): Promise<boolean> {
  const deadline = requestDeadline()?.getTime();
  const until = deadline === undefined ? 0 : deadline - ANSWER_MARGIN_MS;
  for (;;) {
    const sentAt = Date.now();
    try {
      await attempt();
      return true;
    } catch {
      if (!redis.ready() || Date.now() + attemptMs(redis) > until) return false;
    }
    if (Date.now() - sentAt < RETRY_PAUSE_MS) {
      await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
    }
  }
}
