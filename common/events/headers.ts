// The Kafka record headers every event carries; values are strings on the wire.
import { z } from "zod";

export const EventHeaders = z.object({
  "event-id": z.uuid(),
  "event-type": z.string().min(1),
  "event-version": z.string().min(1),
  "content-type": z.literal("application/json"),
});
export type EventHeaders = z.infer<typeof EventHeaders>;

/**
 * Decodes the headers of a received record. Kafka clients hand header values over as bytes
 * (Buffer/Uint8Array), strings, arrays of those for repeated keys, or undefined; the first
 * value of each key is decoded as UTF-8.
 */
export function decodeHeaders(raw: Record<string, unknown> | undefined): Record<string, string> {
  const decoded: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (typeof first === "string") decoded[key] = first;
    else if (first instanceof Uint8Array) decoded[key] = new TextDecoder().decode(first);
  }
  return decoded;
}
