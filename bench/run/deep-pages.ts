// Page 1 against page 500 of a user's orders, by page number (OFFSET: page 500 reads and
// discards 4,990 rows) and by cursor (a keyset scan starting where page 499 ended).
import type { BenchUser } from "../lib/client.ts";
import { type HttpScenario, num, table } from "../lib/report.ts";
import { log, settings, sql } from "./config.ts";
import { measure } from "./scenarios.ts";

const DEEP_PAGE = 500;
const PAGE_SIZE = 10;

export interface DeepPages {
  offsetFirst: HttpScenario;
  offsetDeep: HttpScenario;
  cursorFirst: HttpScenario;
  cursorDeep: HttpScenario;
}

/** The cursor in the Link header of page `page` (by number): it continues with page + 1. */
async function cursorAfterPage(apiUrl: string, user: BenchUser, page: number): Promise<string> {
  const res = await fetch(
    `${apiUrl}/orders/user/${user.id}?page=${page}&page_size=${PAGE_SIZE}`,
    { headers: { authorization: `Bearer ${user.token}` } },
  );
  await res.body?.cancel();
  const link = res.headers.get("link") ?? "";
  const cursor = new URL(/<([^>]+)>/.exec(link)?.[1] ?? "/", apiUrl).searchParams.get("cursor");
  if (!cursor) throw new Error(`page ${page} has no next link (HTTP ${res.status})`);
  return cursor;
}

export async function deepPages(apiUrl: string, apiPid: number, user: BenchUser) {
  const orders = DEEP_PAGE * PAGE_SIZE;
  log(`deep pages: ${orders} orders for one user, written directly`);
  await sql`insert into orders (id, creator_id, items, order_price)
    select gen_random_uuid(), ${user.id}, '{"sku":1}'::jsonb, 1
    from generate_series(1, ${orders}::int)`;
  await sql`analyze orders`; // as autovacuum would after that many rows
  const list = `${apiUrl}/orders/user/${user.id}?page_size=${PAGE_SIZE}`;
  const run = (title: string, url: string) =>
    measure(title, apiPid, { url, token: user.token, connections: settings.connections });
  const firstCursor = await cursorAfterPage(apiUrl, user, 1);
  const deepCursor = await cursorAfterPage(apiUrl, user, DEEP_PAGE - 1);
  return {
    offsetFirst: await run("list by number, page 1", `${list}&page=1`),
    offsetDeep: await run(`list by number, page ${DEEP_PAGE}`, `${list}&page=${DEEP_PAGE}`),
    cursorFirst: await run("list by cursor, page 2", `${list}&cursor=${firstCursor}`),
    cursorDeep: await run(`list by cursor, page ${DEEP_PAGE}`, `${list}&cursor=${deepCursor}`),
  };
}

export function renderDeepPages(d: DeepPages): string {
  const row = (label: string, first: HttpScenario, deep: HttpScenario) => [
    label,
    `${num(first.rps, 0)} / ${num(deep.rps, 0)}`,
    `${num(first.p99Ms)} / ${num(deep.p99Ms)}`,
    num(deep.p99Ms / first.p99Ms),
  ];
  return [
    `\n## Deep pages: ${DEEP_PAGE * PAGE_SIZE} orders, page size ${PAGE_SIZE}\n`,
    table(["method", "req/s near / deep", "p99 ms near / deep", "p99 deep / near"], [
      row(`page number (1 vs ${DEEP_PAGE})`, d.offsetFirst, d.offsetDeep),
      row(`cursor (2 vs ${DEEP_PAGE})`, d.cursorFirst, d.cursorDeep),
    ]),
    "",
  ].join("\n");
}
