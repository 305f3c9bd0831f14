// Shared by the event tests: the local services' settings, a deadline-based poller, orders
// inserted the way the API writes them (order + outbox row in one transaction), and a relay
// with short intervals. The Kafka side (collecting and producing records) is in kafka.ts.
import { parseEnv } from "node:util";
import postgres from "postgres";
import type { LogFn } from "../../common/events/kafka-log.ts";
import { ORDER_TOPIC, orderCreatedHeaders } from "../../common/events/order-created.ts";
import {
  createOutboxRelay,
  type OutboxRelay,
  type OutboxRelayOptions,
} from "../../api/events/relay.ts";

const fileEnv = (() => {
  try {
    return parseEnv(Deno.readTextFileSync(".data/services.env")) as Record<string, string>;
  } catch {
    return {};
  }
})();
const setting = (name: string) => Deno.env.get(name) ?? fileEnv[name] ?? "";

export const DATABASE_URL = setting("DATABASE_URL");
export const BROKERS = setting("KAFKA_BROKERS").split(",").filter(Boolean);
if (!DATABASE_URL || BROKERS.length === 0) {
  throw new Error("DATABASE_URL/KAFKA_BROKERS unset: run `deno task services:up` first");
}

// kafkajs keeps timers and sockets around after disconnect; the tests clean up explicitly.
export const opts = { sanitizeOps: false, sanitizeResources: false };

/** A pool on the test database; `more` adds options (an application name, a debug hook). */
export const connect = (max = 5, more: postgres.Options<Record<string, never>> = {}) =>
  postgres(DATABASE_URL, { max, onnotice: () => {}, ...more });

/** Polls `check` until it returns a truthy value; fails with `what` after the deadline. */
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  timeoutMs = 30_000,
  intervalMs = 50,
): Promise<Exclude<T, false | null | undefined | 0 | "">> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as Exclude<T, false | null | undefined | 0 | "">;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export interface TestOrder {
  orderId: string;
  eventId: string;
  value: string;
}

/** Inserts users, orders and outbox rows in one transaction, as POST /orders does. */
export async function insertOrders(sql: postgres.Sql, count: number): Promise<TestOrder[]> {
  const userId = crypto.randomUUID();
  const orders: TestOrder[] = [];
  await sql.begin(async (tx) => {
    await tx`insert into users (id, email, password_hash)
      values (${userId}, ${`${userId}@events.test`}, 'x')`;
    for (let i = 0; i < count; i++) {
      const [row] = await tx`
        insert into orders (id, creator_id, items, order_price)
        values (${crypto.randomUUID()}, ${userId}, ${tx.json({ sku: i })}, 12.5)
        returning id, creator_id, items, order_price::float8 as order_price, status,
          created_at, updated_at`;
      const value = JSON.stringify({
        ...row,
        created_at: row.created_at.toISOString(),
        updated_at: row.updated_at.toISOString(),
      });
      const eventId = crypto.randomUUID();
      await tx`insert into outbox (event_id, topic, record_key, record_value, headers)
        values (${eventId}, ${ORDER_TOPIC}, ${row.id}, ${value},
          ${tx.json(orderCreatedHeaders(eventId))})`;
      orders.push({ orderId: row.id, eventId, value });
    }
  });
  return orders;
}

export const testLog: LogFn = (level, msg, fields) => {
  if (Deno.env.get("EVENTS_TEST_LOG") || level === "error") {
    console.error(JSON.stringify({ level, msg, ...fields }));
  }
};

/** A relay with short intervals; a unique lock key keeps it apart from running APIs. */
export function relay(
  sql: postgres.Sql,
  lockKey: number,
  sweepIntervalMs = 500,
  backoff = { baseMs: 100, maxMs: 1_000 },
  more: Partial<OutboxRelayOptions> = {},
): OutboxRelay {
  return createOutboxRelay({
    sql,
    brokers: BROKERS,
    clientId: "events-test-relay",
    sweepIntervalMs,
    batchSize: 50,
    log: testLog,
    lockKey,
    backoff,
    ...more,
  });
}

export const uniqueLockKey = () => 1_000_000 + Math.floor(Math.random() * 1_000_000_000);
