// Which publish failures are the record's own fault (retrying it cannot help, whatever the
// broker's state) as opposed to the broker being away, slow or electing a leader.

/** kafkajs protocol error types that only the record (its size, topic or content) causes. */
const RECORD_ERROR_TYPES = new Set([
  "UNKNOWN_TOPIC_OR_PARTITION", // the topic does not exist (and is not auto-created)
  "INVALID_TOPIC_EXCEPTION",
  "TOPIC_AUTHORIZATION_FAILED",
  "MESSAGE_TOO_LARGE",
  "RECORD_LIST_TOO_LARGE",
  "INVALID_RECORD",
  "CORRUPT_MESSAGE",
  "POLICY_VIOLATION",
]);

/** The kafkajs protocol error type found in the error or its causes, if any. */
export function kafkaErrorType(error: unknown): string | undefined {
  for (let e = error, depth = 0; e && typeof e === "object" && depth < 6; depth++) {
    const type = (e as { type?: unknown }).type;
    if (typeof type === "string") return type;
    e = (e as { cause?: unknown; originalError?: unknown }).cause ??
      (e as { originalError?: unknown }).originalError;
  }
  return undefined;
}

/** True when the failure is caused by the record itself (see RECORD_ERROR_TYPES). */
export function isRecordError(error: unknown): boolean {
  const type = kafkaErrorType(error);
  return type !== undefined && RECORD_ERROR_TYPES.has(type);
}

/** An error as one line for the relay's logs and the outbox's last_error. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
