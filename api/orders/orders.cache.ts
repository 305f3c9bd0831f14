// Read-through cache of orders in Redis under `order:<id>`. Every entry carries the row's
// version and a Lua script refuses to replace a newer version with an older one, so a slow
// cache fill racing a PATCH can never bring back data older than the last commit.
import type { Log } from "../../common/logger.ts";
import { countCacheRead } from "../metrics/metrics.ts";
import { type Redis, redisScript } from "../platform/redis.ts";
import { writeAcknowledged } from "../platform/redis-acknowledged.ts";
import type { Prefetched } from "../hot-path/index.ts";
import type { Order } from "./orders.model.ts";
import { ORDER_KEYS } from "../../common/orders/order.ts";

const PUT_IF_NEWER = `
local current = redis.call('GET', KEYS[1])
if current then
  local version = tonumber(string.match(current, '^(%d+)|'))
  if version and version >= tonumber(ARGV[1]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. ARGV[2], 'EX', ARGV[3])
return 1`;

export interface VersionedOrder {
  order: Order;
  version: number;
}

/** A cached order: its JSON exactly as stored (JSON.stringify of the order), its owner and
 * its row version (the ETag: orders.etag.ts). */
export interface CachedOrder {
  json: string;
  creatorId: string;
  version: number;
}

export interface OrderCache {
  /** The cached order; `prefetched` is what the request's round trip already read, if any. */
  get(id: string, prefetched?: Prefetched["cache"]): Promise<CachedOrder | null>;
  /** A fill (a read that missed; a new order is not written here: POST /orders stays off
   * Redis, docs/performance.md): best effort, since a lost fill leaves no entry older than
   * the row behind (a change's own entry is `publish`ed). */
  put(entry: VersionedOrder): Promise<void>;
  /** A changed order's entry, sent even in redis.ts's fail-fast window and retried while the
   * request can wait: true once Redis acknowledged it (redis-acknowledged.ts). */
  publish(entry: VersionedOrder): Promise<boolean>;
  /** Writes the committed row again (or drops the entry of a row that is gone); rejects while
   * Redis does not answer. For the repair of changes not acknowledged (cache-repairs.ts). */
  repair(id: string): Promise<void>;
}

const PREFIX = "order:";
export const cacheKey = (id: string) => PREFIX + id;

// Matched against the path as the app reads it, after Hono (strict: false) has dropped one
// trailing slash: a slash still there is `/orders/<id>//`, which no route answers. Case-sensitive
// like the routes: `/Orders/<id>` is no order's path.
const ORDER_PATH =
  /^\/orders\/([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$/;

/** The cache key a GET of this path reads, so it can travel with the request's round trip. */
export function orderCacheKeyFor(path: string): string | null {
  const match = ORDER_PATH.exec(path);
  return match ? cacheKey(match[1]) : null;
}

// An entry is `<version>|<order JSON>`. The JSON is served as it is (a cached GET need not
// serialise the order again); only its owner is read from it, for the ownership check.
// JSON.stringify writes the order's keys in the order toOrder() builds them (ORDER_KEYS): while
// those start `id`, `creator_id`, both UUIDs, the owner sits at a fixed place, and reading it
// there costs a cached GET nothing, where parsing the whole order was 4 % of its time
// (bench/PROFILE.md). Any other shape is parsed. Nothing a client writes can come before that
// place. tests/unit/order-cache-entry.test.ts checks the place on toOrder()'s own output.
const ID_START = '{"id":"';
const ID_END = ID_START.length + 36;
const OWNER_KEY = '","creator_id":"';
const OWNER_AT = ID_END + OWNER_KEY.length;
export const OWNER_AT_FIXED_PLACE = ORDER_KEYS[0] === "id" && ORDER_KEYS[1] === "creator_id";

export function parseCachedEntry(raw: string): CachedOrder {
  const bar = raw.indexOf("|");
  const version = Number(raw.slice(0, bar));
  if (bar < 1 || !Number.isSafeInteger(version)) throw new Error("order cache entry: no version");
  const json = raw.slice(bar + 1);
  const fixed = OWNER_AT_FIXED_PLACE && json.startsWith(ID_START) &&
    json.startsWith(OWNER_KEY, ID_END) &&
    json[OWNER_AT + 36] === '"';
  const creatorId = fixed
    ? json.slice(OWNER_AT, OWNER_AT + 36)
    : (JSON.parse(json) as Order).creator_id;
  return { json, creatorId, version };
}

/** `reload` fetches the committed row again, for `repair`. */
export function createOrderCache(opts: {
  redis: Redis;
  ttlSeconds: number;
  log: Log;
  reload: (id: string) => Promise<VersionedOrder | null>;
  /** Told of each entry this process changed, and whether Redis acknowledged it, before the
   * change is answered (the in-process copy drops it: platform/redis-tracking.ts). */
  changed?: (key: string, landed: boolean) => void;
}): OrderCache {
  const { redis, ttlSeconds, log } = opts;
  const putIfNewer = redisScript(redis, PUT_IF_NEWER);

  const args = (entry: VersionedOrder) => [
    String(entry.version),
    JSON.stringify(entry.order),
    String(ttlSeconds),
  ];

  return {
    async get(id, prefetched) {
      if (prefetched?.key === cacheKey(id)) {
        return prefetched.raw
          ? countCacheRead("hit", parseCachedEntry(prefetched.raw))
          : countCacheRead("miss", null);
      }
      try {
        const raw = await redis.run((c) => c.get(cacheKey(id)));
        return raw ? countCacheRead("hit", parseCachedEntry(raw)) : countCacheRead("miss", null);
      } catch (error) {
        log("debug", "cache read failed; using PostgreSQL", { error: String(error) });
        return countCacheRead("error", null);
      }
    },
    async put(entry) {
      try {
        await putIfNewer.run([cacheKey(entry.order.id)], args(entry));
      } catch (error) {
        log("debug", "cache fill failed", { error: String(error) });
      }
    },
    async publish(entry) {
      const key = cacheKey(entry.order.id);
      const landed = await writeAcknowledged(
        redis,
        () => putIfNewer.run([key], args(entry), { send: true }),
      );
      opts.changed?.(key, landed);
      return landed;
    },
    async repair(id) {
      const entry = await opts.reload(id);
      if (entry) await putIfNewer.run([cacheKey(id)], args(entry), { send: true });
      else await redis.send((c) => c.del(cacheKey(id)));
    },
  };
}
