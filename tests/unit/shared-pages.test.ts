// Shared list pages (api/orders/shared-pages.ts) on a fake clock: one read serves the requests
// of its window, a change of the user's orders ends the sharing at once, a failed read fails
// only its own request, and the held pages stay bounded.
import assert from "node:assert/strict";
import { createSharedPages } from "../../api/orders/shared-pages.ts";

function setup(maxPages = 100) {
  let clock = 0;
  const pages = createSharedPages<string>({ shareMs: 25, maxPages, now: () => clock });
  let reads = 0;
  const load = (value: string) => () => {
    reads++;
    return Promise.resolve(`${value}#${reads}`);
  };
  return {
    pages,
    load,
    reads: () => reads,
    advance: (ms: number) => (clock += ms),
  };
}

Deno.test("requests within the window share one read, in flight or done; later ones read again", async () => {
  const { pages, load, reads, advance } = setup();
  let release!: (value: string) => void;
  const slow = () => new Promise<string>((resolve) => (release = resolve));
  const first = pages.read("u1", "1 10", slow);
  const joined = pages.read("u1", "1 10", load("never"));
  release("page");
  assert.deepEqual(await Promise.all([first, joined]), ["page", "page"]);
  advance(25);
  assert.equal(await pages.read("u1", "1 10", load("x")), "page", "25 ms after its start");
  assert.equal(reads(), 0);
  advance(1);
  assert.equal(await pages.read("u1", "1 10", load("x")), "x#1", "26 ms after: a new read");
  assert.equal(await pages.read("u1", "2 10", load("y")), "y#2", "another page: its own read");
  assert.equal(await pages.read("u2", "1 10", load("z")), "z#3", "another user: their own read");
});

Deno.test("a change to a user's orders ends the sharing of their pages, and only theirs", async () => {
  const { pages, load, reads } = setup();
  await pages.read("u1", "1 10", load("before"));
  await pages.read("u1", "2 10", load("before"));
  await pages.read("u2", "1 10", load("other"));
  pages.changed("u1");
  assert.equal(await pages.read("u1", "1 10", load("after")), "after#4");
  assert.equal(await pages.read("u1", "2 10", load("after")), "after#5");
  assert.equal(await pages.read("u2", "1 10", load("never")), "other#3");
  assert.equal(reads(), 5);
});

Deno.test("a read in flight when the orders change is not given to requests after the change", async () => {
  const { pages, load } = setup();
  let release!: (value: string) => void;
  const inFlight = pages.read("u1", "1 10", () => new Promise((resolve) => (release = resolve)));
  pages.changed("u1");
  const after = pages.read("u1", "1 10", load("after"));
  release("before");
  assert.equal(await inFlight, "before", "its own waiters get it: they came before the change");
  assert.equal(await after, "after#1");
});

Deno.test("a failed read fails only the request that started it: the others read for themselves", async () => {
  const { pages, load } = setup();
  const failing = pages.read("u1", "1 10", () => Promise.reject(new Error("query cancelled")));
  const joined = pages.read("u1", "1 10", load("own"));
  await assert.rejects(failing, /query cancelled/);
  assert.equal(await joined, "own#1");
  assert.equal(
    await pages.read("u1", "1 10", load("next")),
    "next#2",
    "and it is not shared after",
  );
});

Deno.test("at most maxPages are held: the oldest goes first", async () => {
  const { pages, load, reads } = setup(3);
  for (const page of ["1", "2", "3", "4"]) await pages.read("u1", `${page} 10`, load(page));
  assert.equal(reads(), 4);
  assert.equal(await pages.read("u1", "4 10", load("x")), "4#4", "the newest is still shared");
  assert.equal(await pages.read("u1", "1 10", load("1")), "1#5", "the oldest was dropped");
});
