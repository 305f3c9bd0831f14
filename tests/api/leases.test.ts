// Token leasing (api/hot-path/leases.ts) against the real Redis: two holders of leases on one
// counter stand for two API instances.
import { ok, strictEqual } from "node:assert/strict";
import { test } from "../helpers/app.ts";
import { testConfig } from "../helpers/config.ts";
import { waitFor } from "../helpers/wait.ts";
import { createLogger } from "../../common/logger.ts";
import { createRedis } from "../../api/platform/redis.ts";
import { createLeasedCounters } from "../../api/hot-path/leases.ts";
import { type Counter, verdict } from "../../api/hot-path/rate-limit.ts";

const log = createLogger("critical");

function counterOf(limit: number, windowMs: number): Counter {
  const name = `lease-test`;
  return {
    key: `rl:${name}:${crypto.randomUUID()}`,
    rule: { name, rate: { limit, windowMs, text: `${limit}/${windowMs}ms` }, key: () => null },
  };
}

async function withRedis(run: (redis: ReturnType<typeof createRedis>) => Promise<void>) {
  const redis = createRedis(testConfig().redis, log);
  await waitFor(() => redis.ready(), { what: "redis" });
  try {
    await run(redis);
  } finally {
    await redis.close();
  }
}

test("two holders of leases together admit exactly the limit", async () => {
  await withRedis(async (redis) => {
    const holders = [0, 1].map(() =>
      createLeasedCounters({ redis, log, maxLease: 64, idleMs: 60_000 })
    );
    const counter = counterOf(100, 60_000); // leases of 6
    let admitted = 0;
    await Promise.all(holders.flatMap((holder) =>
      Array.from({ length: 10 }, async () => {
        for (let i = 0; i < 15; i++) {
          const counts = await holder.count([counter]);
          if (!verdict([counter], counts).blocked) admitted++;
        }
      })
    ));
    strictEqual(admitted, 100);
    for (const holder of holders) await holder.close();
  });
});

test("unspent hits of an idle counter go back to its window", async () => {
  await withRedis(async (redis) => {
    const holder = createLeasedCounters({ redis, log, maxLease: 64, idleMs: 50 });
    const counter = counterOf(1_600, 60_000); // leases of 64
    await holder.count([counter]);
    strictEqual(await redis.client().get(counter.key), "64");
    await waitFor(async () => await redis.client().get(counter.key) === "1", {
      what: "63 hits given back",
    });
    strictEqual(holder.held(counter.key), 0);
    await holder.close();
  });
});

test("hits leased in a window that ended are not given to the next one", async () => {
  await withRedis(async (redis) => {
    const holder = createLeasedCounters({ redis, log, maxLease: 64, idleMs: 60_000 });
    const counter = counterOf(1_600, 200);
    await holder.count([counter]);
    strictEqual(holder.held(counter.key), 63);
    await waitFor(async () => await redis.client().pTTL(counter.key) === -2, {
      what: "the window to end",
    });
    await redis.client().set(counter.key, "5", { PX: 60_000 }); // the next window, counting
    await holder.close(); // gives back the 63 it holds, if they were this window's
    strictEqual(await redis.client().get(counter.key), "5");
  });
});

test("a burst of requests in one process waits for one lease instead of taking many", async () => {
  await withRedis(async (redis) => {
    const holder = createLeasedCounters({ redis, log, maxLease: 64, idleMs: 60_000 });
    const counter = counterOf(16_000, 60_000); // leases of 64
    await Promise.all(Array.from({ length: 300 }, () => holder.count([counter])));
    // Spent 300, and the rest held, once a refill still on its way has landed.
    await waitFor(
      async () => Number(await redis.client().get(counter.key)) - holder.held(counter.key) === 300,
      { what: "every hit taken spent or held" },
    );
    // At most one lease and a half held besides.
    ok(holder.held(counter.key) <= 96, `${holder.held(counter.key)} hits held unspent`);
    await holder.close();
  });
});
