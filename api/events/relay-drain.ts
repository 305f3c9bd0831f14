// The leader's drain: publishes due rows batch after batch until none are left (or Kafka is
// away, or leadership is lost), and logs what each batch did.
import type postgres from "postgres";
import type { LogFn } from "../../common/events/kafka-log.ts";
import type { LeaderLock } from "./leader-lock.ts";
import type { BatchResult, PublishOptions, Sender } from "./outbox-batch.ts";
import { publishBatch } from "./outbox-publish.ts";
import type { createRelayProducer } from "./relay-producer.ts";

export interface DrainOutcome {
  /** The leadership check failed: the relay should step down. */
  lostLock: boolean;
  /** Rows failed or were given back: their due times changed. */
  troubled: boolean;
}

export interface DrainDeps {
  sql: postgres.Sql;
  lock: LeaderLock;
  kafka: ReturnType<typeof createRelayProducer>;
  sender: Sender;
  publish: PublishOptions;
  log: LogFn;
  /** False once the relay is stopping: no further batch starts. */
  running: () => boolean;
  /** Counts rows published (for the relay's status). */
  onSent: (rows: number) => void;
}

export async function drain(deps: DrainDeps): Promise<DrainOutcome> {
  const { sql, lock, kafka, sender, publish, log } = deps;
  let troubled = false;
  while (deps.running()) {
    // Leadership is re-checked for every batch, alongside its claim.
    const result = await publishBatch(sql, sender, publish, lock.verify());
    if (result.lostLock) return { lostLock: true, troubled };
    deps.onSent(result.sent);
    if (result.failed > 0 || result.released > 0) troubled = true;
    if (result.sent > 0) kafka.markOk();
    logBatch(log, result);
    if (result.unavailable) {
      await kafka.drop(result.error);
      break;
    }
    if (result.claimed < publish.batchSize) break;
  }
  return { lostLock: false, troubled };
}

function logBatch(log: LogFn, result: BatchResult) {
  if (result.failed > 0) {
    log("warning", "outbox relay: rows failed on their own; they will be retried", {
      failed: result.failed,
      parked: result.parked,
      error: result.error,
    });
  }
  if (result.parked > 0) {
    log("error", "outbox relay: rows parked; see `deno task outbox`", {
      parked: result.parked,
    });
  }
  if (result.unavailable) {
    log("warning", "outbox relay: Kafka unreachable, rows will be retried", {
      rows: result.released,
      error: result.error,
    });
  } else {
    log("debug", "outbox relay: batch", { claimed: result.claimed, sent: result.sent });
  }
}
