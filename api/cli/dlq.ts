// `deno task dlq`: a DLQ (new_order.dlq unless --dlq names another) as an operator sees it.
//   deno task dlq [list]                     every dead letter, one JSON line each: reason,
//                                            error, where it came from, whether replayed
//   deno task dlq replay --all               republishes every dead letter not replayed yet
//                                            (except malformed records: a replay cannot fix them)
//   deno task dlq replay <partition>:<offset>…   republishes these
// Options: --brokers host:port[,…] (default KAFKA_BROKERS), --dlq <topic> (a DLQ of the event
// registry, common/events/registry.ts: new_order.dlq, order_events.dlq). Replays are recorded in the
// database (dlq_replays), so replaying twice publishes once (api/cli/dlq/replay.ts).
import { Kafka, logLevel } from "kafkajs";
import type postgres from "postgres";
import { createSql } from "../platform/db.ts";
import { ConfigError, loadDlqConfig } from "./dlq/config.ts";
import { readDeadLetters } from "./dlq/read.ts";
import { DEFAULT_DLQ } from "../../common/events/dead-letter.ts";
import { EVENT_TOPICS } from "../../common/events/registry.ts";
import {
  dlqPosition,
  replayedLetters,
  replayLetters,
  selectForReplay,
  withReplayLock,
} from "./dlq/replay.ts";

const DLQS = EVENT_TOPICS.map((topic) => topic.dlq);
const USAGE = "usage: deno task dlq [list | replay --all | replay <partition>:<offset>…] " +
  `[--brokers host:port,…] [--dlq ${DLQS.join("|")}]`;

/** Takes `--name value` out of the arguments. */
function option(args: string[], name: string): [string | undefined, string[]] {
  const at = args.indexOf(name);
  return at >= 0 ? [args[at + 1], args.toSpliced(at, 2)] : [undefined, args];
}

async function main(args: string[]): Promise<number> {
  const [brokersArg, afterBrokers] = option(args, "--brokers");
  const [dlqArg, rest] = option(afterBrokers, "--dlq");
  const dlq = dlqArg ?? DEFAULT_DLQ;
  if (!DLQS.includes(dlq)) {
    console.error(`not a DLQ of the event registry: ${dlq}\n${USAGE}`);
    return 2;
  }
  const [command = "list", ...positions] = rest;
  const all = positions.includes("--all");
  const named = positions.filter((p) => p !== "--all");
  const bad = named.find((p) => !/^\d+:\d+$/.test(p));
  if (
    !["list", "replay"].includes(command) || (command === "list" && positions.length > 0) ||
    (command === "replay" && (all === named.length > 0 || bad !== undefined))
  ) {
    console.error(bad ? `not a <partition>:<offset>: ${bad}\n${USAGE}` : USAGE);
    return 2;
  }
  let config;
  try {
    config = loadDlqConfig(brokersArg);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    return 2;
  }
  if (command === "replay" && !config.db) {
    console.error("replay records what it replayed in the database: set DATABASE_URL");
    return 2;
  }
  const kafka = new Kafka({
    clientId: "order-dlq-cli",
    brokers: config.brokers,
    logLevel: logLevel.NOTHING,
  });
  const sql = config.db ? createSql(config.db, { max: 2, applicationName: "order-dlq" }) : null;
  try {
    if (command === "list") return await list(kafka, sql, dlq);
    return await replay(kafka, sql!, dlq, all ? "all" : named);
  } finally {
    await sql?.end();
  }
}

async function list(kafka: Kafka, sql: postgres.Sql | null, dlq: string): Promise<number> {
  const letters = await readDeadLetters(kafka, dlq);
  // Without the database (or its dlq_replays table) the list still works, minus `replayed`.
  const replayed = sql ? await replayedLetters(sql, dlq).catch(() => null) : null;
  for (const dead of letters) {
    const { bytes: _bytes, eventHeaders, ...fields } = dead;
    const done = replayed?.get(dlqPosition(dead));
    console.log(JSON.stringify({
      ...fields,
      headers: eventHeaders,
      replayed: replayed === null ? "unknown" : done ? { to: done.to, at: done.replayedAt } : null,
    }));
  }
  console.error(`${letters.length} dead letter(s)`);
  return 0;
}

async function replay(kafka: Kafka, sql: postgres.Sql, dlq: string, wanted: "all" | string[]) {
  let code = 0;
  const locked = await withReplayLock(sql, async () => {
    const selection = selectForReplay(
      await readDeadLetters(kafka, dlq),
      wanted,
      await replayedLetters(sql, dlq),
    );
    for (const skip of selection.skipped) {
      console.log(JSON.stringify({ skipped: skip.at, why: skip.why }));
    }
    let count = 0;
    await replayLetters(kafka, sql, selection.replay, (dead, to) => {
      count++;
      console.log(JSON.stringify({ replayed: dlqPosition(dead), to, eventId: dead.eventId }));
    });
    console.error(`replayed ${count}, skipped ${selection.skipped.length}`);
    if (selection.missing.length > 0) {
      console.error(`not in ${dlq}: ${selection.missing.join(", ")}`);
      code = 1;
    }
  });
  if (!locked) {
    console.error("another `deno task dlq replay` is running; try again when it has finished");
    return 1;
  }
  return code;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
