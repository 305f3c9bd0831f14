// What the registry (registry.ts) knows of an event type: enough to publish it, validate it,
// route it to its topic and DLQ, and describe it in the AsyncAPI document.
import type { z } from "zod";
import type { EventHeaders } from "./headers.ts";
import type { Topic } from "./topics.ts";

export interface EventType<Name extends string = string, Value = unknown> {
  /** The `event-type` header. */
  type: Name;
  /** The `event-version` header: bumped on a change a consumer could trip over. */
  version: string;
  topic: Topic;
  summary: string;
  /** What the record key holds, for the contract. */
  key: string;
  schema: z.ZodType<Value>;
}

export function eventHeaders(event: EventType, eventId: string): EventHeaders {
  return {
    "event-id": eventId,
    "event-type": event.type,
    "event-version": event.version,
    "content-type": "application/json",
  };
}
