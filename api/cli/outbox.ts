// `deno task outbox`: the outbox as an operator sees it.
//   deno task outbox                     counts: pending (due now), sent, parked, oldest pending
//   deno task outbox list [--limit N]    the parked rows, one JSON line each, with last_error
//   deno task outbox retry --all         sends every parked row back to the relay
//   deno task outbox retry <id> [<id>…]  sends these parked rows back to the relay
// A retried row starts again with 0 attempts; the relay is woken at once.
import { loadDatabaseConfig } from "../config.ts";
import { loadOrExit } from "../../common/env-schema.ts";
import { createSql } from "../platform/db.ts";
import { listParked, outboxSummary, retryParked } from "../events/outbox-admin.ts";

const USAGE = "usage: deno task outbox [list [--limit N] | retry --all | retry <id> [<id>…]]";

async function main(args: string[]): Promise<number> {
  const [command = "status", ...rest] = args;
  if (!["status", "list", "retry"].includes(command)) {
    console.error(USAGE);
    return 2;
  }
  const ids = rest.filter((arg) => !arg.startsWith("--"));
  if (command === "retry" && !rest.includes("--all") && ids.length === 0) {
    console.error(USAGE);
    return 2;
  }
  if (command === "retry" && ids.some((id) => !/^\d+$/.test(id))) {
    console.error(`not an outbox row id: ${ids.find((id) => !/^\d+$/.test(id))}\n${USAGE}`);
    return 2;
  }
  const sql = createSql(loadOrExit(() => loadDatabaseConfig()));
  try {
    if (command === "status") {
      const s = await outboxSummary(sql);
      console.log(`pending  ${s.pending} (${s.due} due now)`);
      console.log(`sent     ${s.sent}`);
      console.log(`parked   ${s.parked}${s.parked > 0 ? "  (deno task outbox list)" : ""}`);
      if (s.oldestPendingSeconds !== null) {
        console.log(`oldest pending row: ${s.oldestPendingSeconds} s old`);
      }
      return 0;
    }
    if (command === "list") {
      const at = rest.indexOf("--limit");
      const limit = at >= 0 ? Number(rest[at + 1]) : 100;
      for (const row of await listParked(sql, Number.isInteger(limit) && limit > 0 ? limit : 100)) {
        console.log(JSON.stringify({ ...row, created_at: row.created_at.toISOString() }));
      }
      return 0;
    }
    const retried = await retryParked(sql, rest.includes("--all") ? "all" : ids);
    console.log(
      `retried ${retried.length} parked row(s)${retried.length ? ": " : ""}${retried.join(", ")}`,
    );
    const missing = ids.filter((id) => !retried.includes(id));
    if (missing.length > 0) {
      console.error(`not parked (or no such row): ${missing.join(", ")}`);
      return 1;
    }
    return 0;
  } finally {
    await sql.end();
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
