// Which dead letters `deno task dlq replay` republishes (api/cli/dlq/replay.ts): with --all,
// those not replayed yet whose reason a replay can fix; by position, exactly those asked for.
import { deepEqual } from "node:assert/strict";
import { parseDeadLetter } from "../../common/events/dead-letter.ts";
import { selectForReplay } from "../../api/cli/dlq/replay.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const letter = (partition: number, offset: string, reason: string) =>
  parseDeadLetter(partition, {
    offset,
    key: bytes("k"),
    value: bytes("{}"),
    headers: { "dlq-reason": reason, "event-id": crypto.randomUUID() },
  });

const letters = [
  letter(0, "1", "retries-exhausted"),
  letter(0, "2", "invalid-json"),
  letter(1, "5", "retries-exhausted"),
  letter(2, "9", "invalid-schema"),
];
const replayed = new Map([["1:5", { at: "1:5", to: "new_order:1:40", replayedAt: "t" }]]);
const positions = (s: ReturnType<typeof selectForReplay>) => ({
  replay: s.replay.map((d) => `${d.partition}:${d.offset}`),
  skipped: s.skipped.map((d) => d.at),
  missing: s.missing,
});

Deno.test("--all: skips what was replayed and what is malformed", () => {
  deepEqual(positions(selectForReplay(letters, "all", replayed)), {
    replay: ["0:1"],
    skipped: ["0:2", "1:5", "2:9"],
    missing: [],
  });
});

Deno.test("by position: any reason, never twice, unknown positions reported", () => {
  deepEqual(positions(selectForReplay(letters, ["0:2", "1:5", "3:3"], replayed)), {
    replay: ["0:2"],
    skipped: ["1:5"],
    missing: ["3:3"],
  });
});
