// The pgbench script of the PostgreSQL reference (references.ts): the API's create-order
// statement (api/orders/orders.insert.ts) written out as text, with the bench's values as
// literals and the creator as the pgbench variable `:creator`. tests/api/pgbench-script.test.ts
// runs it with pgbench and checks it writes what the API writes.
import type postgres from "postgres";
import { orderCreatedHeaders } from "../../common/events/order-created.ts";
import { orderInsertStatement } from "../../api/orders/orders.insert.ts";
import { ORDER_BODY } from "../lib/client.ts";

/**
 * Rows of the pgbench reference carry this topic and are written as already sent, so that no
 * relay claims them (the API's rows also enter the pending index: a little more work for the
 * API than for the reference, so the ratio errs against the API).
 */
export const PGBENCH_TOPIC = "bench.pgbench";

/** The statement, run by pgbench with `-D creator=<a user's id>`. */
export function createOrderScript(sql: postgres.Sql): string {
  const statement = orderInsertStatement(
    sql,
    {
      // A UUIDv7 imitation (time first), as the API's ids keep the index append-mostly.
      id: sql`(lpad(to_hex((extract(epoch from clock_timestamp()) * 1000)::bigint), 12, '0')
      || '7' || substr(md5(random()::text), 1, 19))::uuid`,
      creatorId: sql`:creator`,
      items: sql.json(ORDER_BODY.items),
      orderPrice: ORDER_BODY.order_price,
      deadline: null,
    },
    sql`, event as (
      insert into outbox (event_id, topic, record_key, record_value, headers, traceparent,
                          state, sent_at)
      select gen_random_uuid(), ${PGBENCH_TOPIC}, v.id::text, v.value::text,
        ${sql.json(orderCreatedHeaders(crypto.randomUUID()))}, null, 'sent', now()
      from v
    )`,
  );
  return `${asText(statement)};\n`;
}

/** A postgres.js fragment as SQL text: nested fragments inlined, parameters as literals. */
export function asText(fragment: postgres.Fragment): string {
  const { strings, args } = fragment as unknown as { strings: string[]; args: unknown[] };
  return strings.map((text, i) => i < args.length ? text + literal(args[i]) : text).join("");
}

function literal(value: unknown): string {
  const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;
  if (value === null) return "null";
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value === "string") return quote(value);
  if (value && typeof value === "object") {
    if ("strings" in value && "args" in value) return asText(value as unknown as postgres.Fragment);
    // sql.json(…): a parameter holding the value to send as JSON.
    if ("value" in value && "type" in value) return quote(JSON.stringify(value.value));
  }
  throw new Error(`no SQL literal for ${String(value)}`);
}

export async function findPgbench(): Promise<string | null> {
  const candidates = ["pgbench"];
  try {
    for await (const version of Deno.readDir("/usr/lib/postgresql")) {
      candidates.push(`/usr/lib/postgresql/${version.name}/bin/pgbench`);
    }
  } catch { /* not a Debian layout */ }
  for (const cmd of candidates.reverse()) {
    try {
      const { success } = await new Deno.Command(cmd, { args: ["--version"] }).output();
      if (success) return cmd;
    } catch { /* not there */ }
  }
  return null;
}
