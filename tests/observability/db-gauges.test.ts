// The scrape-time PostgreSQL gauges against real PostgreSQL, in a schema of their own: the
// outbox backlog and its age, parked events counted apart, this process's sessions by state,
// and NaN (not a hung scrape) when the database is unreachable.
import assert from "node:assert/strict";
import { Registry } from "prom-client";
import { registerDbGauges } from "../../api/metrics/db-gauges.ts";
import { connect, opts } from "../helpers/events.ts";
import { testEnv } from "../helpers/config.ts";
import { serverPort } from "../helpers/ports.ts";

const quiet = () => {};

function sample(text: string, prefix: string): number {
  const line = text.split("\n").find((l) => l.startsWith(prefix + " "));
  assert.ok(line, `${prefix} in:\n${text}`);
  return Number(line.slice(prefix.length + 1));
}

/** An outbox of the real shape, in a schema of its own, with rows in every state. */
async function withSchema(fn: (url: string) => Promise<void>) {
  const sql = connect(1);
  const schema = `metrics_test_${crypto.randomUUID().replaceAll("-", "")}`;
  const url = new URL(testEnv().DATABASE_URL);
  url.searchParams.set("search_path", schema);
  try {
    await sql`create schema ${sql(schema)}`;
    await sql`create table ${sql(schema)}.outbox
      (like public.outbox including defaults including identity)`;
    await sql`insert into ${sql(schema)}.outbox
      (event_id, topic, record_key, record_value, headers, created_at, state, sent_at)
      select gen_random_uuid(), 'new_order', 'k', '{}', '{}', now() - age, state, sent_at
      from (values
        (interval '90 seconds', 'pending', null::timestamptz),
        (interval '5 seconds', 'pending', null),
        (interval '1 hour', 'parked', null),
        (interval '2 hours', 'sent', now())
      ) as rows (age, state, sent_at)`;
    await fn(url.toString());
  } finally {
    await sql`drop schema ${sql(schema)} cascade`;
    await sql.end();
  }
}

Deno.test(
  "outbox gauges: pending backlog and its oldest age, parked apart; pool by state",
  opts,
  async () => {
    await withSchema(async (url) => {
      const registry = new Registry();
      const gauges = registerDbGauges({
        databaseUrl: url,
        applicationName: "no-such-app",
        poolMax: 7,
        log: quiet,
        registry,
      });
      try {
        const text = await registry.metrics();
        assert.equal(sample(text, "outbox_pending_events"), 2);
        const age = sample(text, "outbox_oldest_pending_age_seconds");
        assert.ok(age >= 90 && age < 600, `the oldest pending row, not the parked one: ${age}`);
        assert.equal(sample(text, "outbox_parked_events"), 1);
        assert.equal(sample(text, 'db_pool_connections{state="max"}'), 7);
        assert.equal(sample(text, 'db_pool_connections{state="active"}'), 0);
      } finally {
        await gauges.close();
      }
    });
  },
);

Deno.test(
  "database unreachable: the gauges read NaN and the scrape still answers",
  opts,
  async () => {
    const port = serverPort(); // nothing listens there
    const registry = new Registry();
    const gauges = registerDbGauges({
      databaseUrl: `postgres://nobody@127.0.0.1:${port}/nothing`,
      applicationName: "x",
      poolMax: 3,
      log: quiet,
      registry,
    });
    try {
      const text = await registry.metrics();
      assert.ok(Number.isNaN(sample(text, "outbox_pending_events")));
      assert.ok(Number.isNaN(sample(text, 'db_pool_connections{state="idle"}')));
      assert.equal(sample(text, 'db_pool_connections{state="max"}'), 3);
    } finally {
      await gauges.close();
    }
  },
);
