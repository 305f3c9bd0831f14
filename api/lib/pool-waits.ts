// Counts the queries of a pool that found no free connection: every connection was reserved or
// already running a query, so the new one queued or was pipelined behind another. Used on the
// relay's own pool (api/deps.ts), whose queries must never wait (docs/operations.md, "Separate pools").
//
// Only for a pool whose callers await every query at once (as the relay's do): a query is
// counted from when it is made, and its completion is followed through its promise, which starts
// it. A nested fragment would be started by this, so such a pool must not build fragments.
import type { Sql } from "postgres";

/** How to give a counted reservation back without releasing it (see abandonReservation). */
const abandoners = new WeakMap<object, () => void>();

/**
 * A reservation whose connection died is forgotten rather than released (events/leader-lock.ts
 * says why); this tells the count that its connection is no longer taken.
 */
export function abandonReservation(reserved: object): void {
  abandoners.get(reserved)?.();
}

function isQuery(value: unknown): value is Promise<unknown> {
  return value instanceof Promise && "executed" in value;
}

export function countPoolWaits<T extends Sql>(sql: T, max: number, onWait: () => void): T {
  if (!(max >= 1) || typeof onWait !== "function") throw new Error("countPoolWaits: bad options");
  let busy = 0; // queries in flight plus reserved connections
  const take = () => {
    if (busy >= max) onWait();
    busy++;
  };
  const give = () => void busy--;
  return new Proxy(sql, {
    apply(target, thisArg, args) {
      const result = Reflect.apply(target, thisArg, args);
      if (isQuery(result)) {
        take();
        result.then(give, give);
      }
      return result;
    },
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property !== "reserve" || typeof value !== "function") return value;
      // A reserved connection is taken until it is released (the relay's leader lock).
      return async () => {
        take();
        let reserved;
        try {
          reserved = await value.apply(target, []);
        } catch (error) {
          give();
          throw error;
        }
        const release = reserved.release;
        let given = false;
        const giveOnce = () => {
          if (given) return;
          given = true;
          give();
        };
        abandoners.set(reserved, giveOnce);
        reserved.release = () => {
          giveOnce();
          return release();
        };
        return reserved;
      };
    },
  });
}
