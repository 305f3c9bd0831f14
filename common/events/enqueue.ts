// The one way to write an outbox row: a statement fragment that inserts the event into the
// outbox from the rows of `from`, to be used inside the statement (or the transaction) that
// makes the change, so the change and its event commit together or not at all. The relay
// (api/events/relay.ts) publishes the row to the event type's topic.
import type postgres from "postgres";
import { eventHeaders, type EventType } from "./event-type.ts";

export interface OutboxRow {
  /** SQL expressions over `from`'s rows: the record key and the JSON value (as text). */
  key: postgres.Fragment;
  value: postgres.Fragment;
  /** e.g. sql`from v`: the rows the event is built from; one event per row. */
  from: postgres.Fragment;
  /** The W3C trace context of the request that made the change (or SQL over `from`). */
  traceparent?: string | null | postgres.Fragment;
  /** The event's id, or SQL over `from` giving each row's (a statement making many changes). */
  eventId?: string | postgres.Fragment;
}

/** `insert into outbox … select …` for one event of `event`'s type per row of `row.from`. */
export function enqueue(sql: postgres.ISql, event: EventType, row: OutboxRow): postgres.Fragment {
  const eventId = row.eventId ?? crypto.randomUUID();
  const headers = typeof eventId === "string"
    ? sql`${sql.json(eventHeaders(event, eventId))}`
    : sql`${
      sql.json(eventHeaders(event, ""))
    }::jsonb || jsonb_build_object('event-id', ${eventId})`;
  return sql`
    insert into outbox (event_id, topic, record_key, record_value, headers, traceparent)
    select ${eventId}, ${event.topic.name}, ${row.key}, ${row.value}, ${headers},
      ${row.traceparent ?? null}
    ${row.from}`;
}
