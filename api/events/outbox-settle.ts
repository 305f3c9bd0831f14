// The last step of a relay batch: record each row's outcome. Sent rows are marked sent; a
// failure counts against the row (and parks it after maxAttempts) only when it is the row's own
// (see isRowsOwnFailure); every other row goes back uncounted, after a delay when Kafka looked
// away, so an outage, whole or partial, never parks rows.
import type postgres from "postgres";
import { isTransientDbError } from "../../common/db-errors.ts";
import { errorMessage, isRecordError } from "./kafka-errors.ts";
import { markSent, type OutboxRow, recordFailure, release } from "./outbox-store.ts";
import type { BatchResult, PublishOptions, Sender } from "./outbox-batch.ts";
import type { Sent } from "./outbox-send.ts";

/** Writes the outcome of `outcome` for the rows claimed under `token` into `result`. */
export async function settleBatch(
  sql: postgres.Sql,
  sender: Sender,
  opts: PublishOptions,
  token: string,
  outcome: Sent,
  result: BatchResult,
): Promise<BatchResult> {
  const { sent, delivered, failures, untried } = outcome;
  // Kafka has these rows: a database blip now would have them published again once their
  // lease ends, so a transient error is worth a few quick retries.
  await withTransientRetries(() => markSent(sql, sent, token));
  result.sent = sent.length;
  // A failure counts against the row when it is its own; otherwise the row goes back
  // uncounted, after a delay, and with nothing through the broker is away.
  let lastError: string | undefined;
  const heldBack: OutboxRow[] = [];
  for (const { row, error } of failures) {
    lastError = errorMessage(error);
    if (isRowsOwnFailure(error, sender.partitionOf(row), delivered)) {
      result.failed++;
      const parked = await recordFailure(
        sql,
        row.id,
        token,
        lastError,
        opts.backoff,
        opts.maxAttempts,
      );
      if (parked) result.parked++;
    } else if (sent.length > 0) heldBack.push(row);
    else {
      untried.push(row);
      result.unavailable = true;
    }
  }
  if (!outcome.producer) result.unavailable = true;
  await release(sql, heldBack.map((row) => row.id), token, opts.unavailableDelayMs, lastError);
  await release(
    sql,
    untried.map((row) => row.id),
    token,
    result.unavailable ? opts.unavailableDelayMs : 0,
    result.unavailable ? lastError ?? "Kafka unreachable" : undefined,
  );
  result.released = untried.length + heldBack.length;
  if (lastError !== undefined) result.error = lastError;
  return result;
}

/**
 * Whether a failed send counts against the row: the record itself was refused, or its partition
 * took other records in the same batch (so the partition was there and this row was not let in).
 */
export function isRowsOwnFailure(
  error: unknown,
  partition: string | undefined,
  delivered: ReadonlySet<string>,
): boolean {
  return isRecordError(error) || (partition !== undefined && delivered.has(partition));
}

async function withTransientRetries(step: () => Promise<void>, attempts = 4): Promise<void> {
  for (let attempt = 1;; attempt++) {
    try {
      return await step();
    } catch (error) {
      if (attempt >= attempts || !isTransientDbError(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
    }
  }
}
