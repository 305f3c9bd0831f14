// The in-process hot path (HOT_PATH_IN_PROCESS) with two API processes on one Redis and one
// database: the guarantees of docs/security.md hold while each instance answers from its own
// memory, and while one of them is cut off from Redis.
import { ok, strictEqual } from "node:assert/strict";
import { test } from "../helpers/app.ts";
import { uniqueIp } from "../helpers/config.ts";
import { client } from "../helpers/http.ts";
import { privateRedis, type RunningApi, startApi } from "../helpers/processes.ts";
import { ready } from "../helpers/redis-writes.ts";
import { tcpProxy } from "../helpers/tcp-proxy.ts";
import { waitFor } from "../helpers/wait.ts";
import { LIST_PAGE_SHARE_MS } from "../../api/deps.ts";

const IN_PROCESS = { HOT_PATH_IN_PROCESS: "true", SLOWAPI_RATELIMIT: "1000000/minute" };

/** hot_path_requests_total{answered=...} of one API. */
async function answered(api: RunningApi, by: "memory" | "redis" | "round_trip") {
  const text = await (await fetch(`${api.metricsUrl}/metrics`)).text();
  const line = text.split("\n").find((l) =>
    l.startsWith(`hot_path_requests_total{answered="${by}"}`)
  );
  return line ? Number(line.split(" ")[1]) : 0;
}

/** One client address, through either instance. */
function viaBoth(a: RunningApi, b: RunningApi) {
  const ip = uniqueIp();
  return [client(a.url, { "X-Forwarded-For": ip }), client(b.url, { "X-Forwarded-For": ip })];
}

async function startTwo(env: Record<string, string>[]): Promise<RunningApi[]> {
  const apis = await Promise.all(env.map((e) => startApi({ ...IN_PROCESS, ...e })));
  await Promise.all(apis.map(ready));
  return apis;
}

test("in process: no instance serves an order older than a PATCH acknowledged by the other", async () => {
  const [a, b] = await startTwo([{}, {}]);
  try {
    const [viaA, viaB] = viaBoth(a, b);
    const u = await viaA.user("in-process-patch");
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const created = await viaA.call("POST", "/orders", {
        token: u.token,
        json: { items: { i }, order_price: 1 },
      });
      ids.push(created.data.id);
    }
    const fromMemory = [await answered(a, "memory"), await answered(b, "memory")];
    for (const id of ids) {
      for (
        const [writer, reader, status] of [[viaA, viaB, "PAID"], [viaB, viaA, "SHIPPED"]] as const
      ) {
        // Read twice: the second is answered from the reader's memory.
        for (let n = 0; n < 2; n++) {
          strictEqual((await reader.call("GET", `/orders/${id}`, { token: u.token })).status, 200);
        }
        const patched = await writer.call("PATCH", `/orders/${id}`, {
          token: u.token,
          json: { status },
        });
        strictEqual(patched.status, 200);
        for (const instance of [reader, writer, reader]) {
          strictEqual(
            (await instance.call("GET", `/orders/${id}`, { token: u.token })).data.status,
            status,
          );
        }
      }
    }
    ok(await answered(a, "memory") > fromMemory[0], "A answered from memory");
    ok(await answered(b, "memory") > fromMemory[1], "B answered from memory");
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});

test("in process: a shared list page shows a new order at once where it was created, and on the other instance within LIST_PAGE_SHARE_MS", async () => {
  const [a, b] = await startTwo([{}, {}]);
  const [viaA, viaB] = viaBoth(a, b);
  const u = await viaA.user("in-process-list");
  const path = `/orders/user/${u.id}?page=1&page_size=10`;
  const list = async (via: typeof viaA) => {
    const page = await via.call("GET", path, { token: u.token });
    strictEqual(page.status, 200);
    return page.data as { items: { id: string; status: string }[]; total_items: number };
  };
  // Readers on both instances keep the page shared the whole time.
  let stop = false;
  const readers = [viaA, viaB, viaA, viaB, viaA, viaB].map(async (via) => {
    while (!stop) await list(via);
  });
  try {
    for (let i = 1; i <= 6; i++) {
      const [writer, other] = i % 2 ? [viaA, viaB] : [viaB, viaA];
      const created = await writer.call("POST", "/orders", {
        token: u.token,
        json: { items: { i }, order_price: 1 },
      });
      strictEqual(created.status, 201);
      const own = await list(writer);
      ok(own.items.some((o) => o.id === created.data.id), `order ${i} at once on its instance`);
      strictEqual(own.total_items, i);
      await new Promise((resolve) => setTimeout(resolve, LIST_PAGE_SHARE_MS + 1));
      const seen = await list(other);
      ok(seen.items.some((o) => o.id === created.data.id), `order ${i} on the other instance`);
      strictEqual(seen.total_items, i);
      // A status change, the other way round.
      const path = `/orders/${created.data.id}`;
      const paid = await other.call("PATCH", path, { token: u.token, json: { status: "PAID" } });
      strictEqual(paid.status, 200);
      const statusIn = async (via: typeof viaA) =>
        (await list(via)).items.find((o) => o.id === created.data.id) as { status?: string };
      strictEqual((await statusIn(other)).status, "PAID", `order ${i} paid at once on its writer`);
      await new Promise((resolve) => setTimeout(resolve, LIST_PAGE_SHARE_MS + 1));
      strictEqual((await statusIn(writer)).status, "PAID", `order ${i} paid on the other`);
    }
  } finally {
    stop = true;
    await Promise.allSettled(readers);
    await Promise.all([a.stop(), b.stop()]);
  }
});

test("in process: a token logged out on one instance is refused by the other at once", async () => {
  const [a, b] = await startTwo([{}, {}]);
  try {
    const viaA = client(a.url, { "X-Forwarded-For": uniqueIp() });
    const viaB = client(b.url, { "X-Forwarded-For": uniqueIp() });
    for (let round = 0; round < 5; round++) {
      const u = await viaA.user("in-process-logout");
      const before = await answered(b, "memory");
      for (let n = 0; n < 3; n++) {
        strictEqual((await viaB.call("GET", "/auth/me", { token: u.token })).status, 200);
      }
      ok(await answered(b, "memory") > before, "B vouched for the session from memory");
      strictEqual((await viaA.call("POST", "/auth/logout", { token: u.token })).status, 204);
      strictEqual((await viaB.call("GET", "/auth/me", { token: u.token })).status, 401);
      strictEqual((await viaA.call("GET", "/auth/me", { token: u.token })).status, 401);
    }
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});

test("in process: an instance cut off from Redis stops answering from memory and asks PostgreSQL", async () => {
  const redis = await privateRedis();
  const proxy = tcpProxy({ hostname: "127.0.0.1", port: redis.port });
  const [a, b] = await startTwo([{ REDIS_URL: redis.url }, {
    REDIS_URL: proxy.url("redis", "/0"),
  }]);
  try {
    const [viaA, viaB] = viaBoth(a, b);
    const u = await viaA.user("in-process-cut");
    const leaving = await viaA.user("in-process-cut-logout");
    const path = `/orders/${
      (await viaA.call("POST", "/orders", { token: u.token, json: { items: {}, order_price: 1 } }))
        .data.id
    }`;
    const before = await answered(b, "memory");
    for (let n = 0; n < 2; n++) {
      strictEqual((await viaB.call("GET", path, { token: u.token })).data.status, "PENDING");
      strictEqual((await viaB.call("GET", "/auth/me", { token: leaving.token })).status, 200);
    }
    ok(await answered(b, "memory") > before, "B answered from memory before the cut");

    proxy.cut();
    await waitFor(
      async () => (await viaB.call("GET", "/health/ready")).data?.status === "degraded",
      {
        what: "B to lose Redis",
      },
    );
    // A reaches Redis: both changes are acknowledged there, and B cannot hear of them.
    strictEqual(
      (await viaA.call("PATCH", path, { token: u.token, json: { status: "PAID" } })).status,
      200,
    );
    strictEqual((await viaA.call("POST", "/auth/logout", { token: leaving.token })).status, 204);
    strictEqual((await viaB.call("GET", path, { token: u.token })).data.status, "PAID");
    strictEqual((await viaB.call("GET", "/auth/me", { token: leaving.token })).status, 401);

    proxy.restore();
    await waitFor(async () => (await viaB.call("GET", "/health/ready")).data?.status === "ok", {
      timeoutMs: 30_000,
      what: "B to reach Redis again",
    });
    strictEqual((await viaB.call("GET", path, { token: u.token })).data.status, "PAID");
    strictEqual((await viaB.call("GET", "/auth/me", { token: leaving.token })).status, 401);
  } finally {
    proxy.close();
    await Promise.all([a.stop(), b.stop()]);
    await redis.stop();
  }
});

test("in process: two instances together admit no more than the limit", async () => {
  // 160 a minute: leases of 10 (leaseSize), so each instance holds at most 15 unspent.
  const LIMIT = 160;
  const [a, b] = await startTwo([{ SLOWAPI_RATELIMIT: `${LIMIT}/minute` }, {
    SLOWAPI_RATELIMIT: `${LIMIT}/minute`,
  }]);
  try {
    const ip = uniqueIp();
    const statuses: number[] = [];
    const hammer = async (api: RunningApi) => {
      const http = client(api.url, { "X-Forwarded-For": ip });
      for (let i = 0; i < 25; i++) statuses.push((await http.call("GET", "/auth/me")).status);
    };
    // Eight clients on each instance, 400 requests from one address.
    await Promise.all([a, b].flatMap((api) => Array.from({ length: 8 }, () => hammer(api))));
    const admitted = statuses.filter((s) => s !== 429).length;
    strictEqual(statuses.length, 400);
    ok(admitted <= LIMIT, `admitted ${admitted} of a limit of ${LIMIT}`);
    ok(admitted >= LIMIT - 2 * 15, `admitted only ${admitted}: more held unspent than the bound`);
    strictEqual(statuses.filter((s) => s !== 401 && s !== 429).length, 0);
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});
