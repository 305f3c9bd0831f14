// What one relay batch needs and reports (outbox-publish.ts): the relay's producer as a batch
// sees it, the batch's limits, and the counts of what happened to its rows.
import type { Producer } from "kafkajs";
import type { Backoff, OutboxRow } from "./outbox-store.ts";

export type { Backoff };

export type SendBatch = Pick<Producer, "sendBatch">;

/** The relay's producer, as a batch needs it. */
export interface Sender {
  /** The connected producer, or null while Kafka is unreachable. */
  producer(): Promise<SendBatch | null>;
  /**
   * A fresh producer after a failed send (null if Kafka is unreachable): the old one's
   * sequence numbers may be out of step with what the broker appended.
   */
  renew(error: unknown): Promise<SendBatch | null>;
  /** The partition the producer placed this row's record on (`topic:partition`), if it did. */
  partitionOf(row: OutboxRow): string | undefined;
}

export interface PublishOptions {
  batchSize: number;
  /** How long a claim keeps other claimers off the rows. */
  leaseMs: number;
  /** After this long, rows not yet tried one by one are released for the next batch. */
  maxBatchMs: number;
  /** A row that failed this many times on its own is parked. */
  maxAttempts: number;
  backoff: Backoff;
  /** Released rows wait this long when Kafka was unreachable. */
  unavailableDelayMs: number;
}

export interface BatchResult {
  claimed: number;
  sent: number;
  /** Rows that failed on their own (attempt counted), of which `parked` were parked. */
  failed: number;
  parked: number;
  /** Rows given back uncounted: Kafka unreachable, or the batch ran out of time. */
  released: number;
  /** Kafka looked unreachable: the relay should back off and reconnect. */
  unavailable: boolean;
  /** The leadership check failed: nothing was published, the relay should step down. */
  lostLock?: boolean;
  error?: string;
}
