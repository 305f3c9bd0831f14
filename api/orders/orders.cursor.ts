// Cursors for the keyset pages of GET /orders/user/{id}: opaque to clients, tamper-evident
// (HMAC-SHA256 with PAGE_CURSOR_SECRET, or a key derived from JWT_SECRET_KEY), and bound to
// the user whose list they continue, so a cursor cannot be replayed against another list.
import { Buffer } from "node:buffer";
import { createHmac, timingSafeEqual } from "node:crypto";

/** Where a page ends: the last order's exact created_at (PostgreSQL's text, microseconds). */
export interface CursorPosition {
  createdAt: string;
  id: string;
}

export class CursorError extends Error {
  override name = "CursorError";
}

const VERSION = "v1";
const b64url = (bytes: Uint8Array | string) => Buffer.from(bytes).toString("base64url");

export interface Cursors {
  encode(userId: string, at: CursorPosition): string;
  /** The position a cursor stands for; CursorError when forged, malformed or another user's. */
  decode(userId: string, cursor: string): CursorPosition;
}

export function createCursors(key: string): Cursors {
  const sign = (payload: string) =>
    createHmac("sha256", key).update(`${VERSION}.${payload}`).digest().subarray(0, 16);
  return {
    encode(userId, at) {
      const payload = b64url(JSON.stringify({ u: userId, t: at.createdAt, i: at.id }));
      return `${VERSION}.${payload}.${b64url(sign(payload))}`;
    },
    decode(userId, cursor) {
      const [version, payload, signature, ...rest] = cursor.split(".");
      if (version !== VERSION || !payload || !signature || rest.length > 0) {
        throw new CursorError("The cursor is malformed.");
      }
      const given = Buffer.from(signature, "base64url");
      const expected = sign(payload);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        throw new CursorError("The cursor was not issued by this service.");
      }
      const value = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
      if (value.u !== userId) throw new CursorError("The cursor belongs to another user's list.");
      return { createdAt: String(value.t), id: String(value.i) };
    },
  };
}

/** The signing key: PAGE_CURSOR_SECRET, or one derived from the JWT secret (never the same). */
export function cursorKey(pageCursorSecret: string | undefined, jwtSecret: string): string {
  return pageCursorSecret ??
    createHmac("sha256", jwtSecret).update("order-service page cursor").digest("base64");
}
