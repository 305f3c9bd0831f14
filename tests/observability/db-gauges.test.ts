// The scrape-time PostgreSQL gauges against real PostgreSQL, in a schema of their own: the
// outbox backlog and its age, parked events where the outbox has a parking column, this
// process's sessions by state, and NaN (not a hung scrape) when the database is unreachable.
import assert from "node:assert/strict";
import { Registry } from "prom-client";
import { registerDbGauges } from "../../api/metrics/db-gauges.ts";
import { connect, opts } from "../events/helpers.ts";
import { testEnv } from "../helpers/config.ts";

const quiet = () => {};

function sample(text: string, prefix: string): number {
  const line = text.split("\n").find((l) => l.startsWith(prefix + " "));
  assert.ok(line, `${prefix} in:\n${text}`);
  return Number(line.slice(prefix.length + 1));
}

async function withSchema(parking: string, fn: (url: string) => Promise<void>) {
  const sql = connect(1);
  const schema = `metrics_test_${crypto.randomUUID().replaceAll("-", "")}`;
  const url = new URL(testEnv().DATABASE_URL);
  url.searchParams.set("search_path", schema);
  try {
    await sql`create schema ${sql(schema)}`;
    await sql`create table ${sql(schema)}.outbox (
      id bigint generated always as identity, created_at timestamptz not null,
      sent_at timestamptz ${sql.unsafe(parking)})`;
    await sql`insert into ${sql(schema)}.outbox (created_at, sent_at) values
      (now() - interval '90 seconds', null), (now() - interval '5 seconds', null),
      (now() - interval '1 hour', now())`;
    await fn(url.toString());
  } finally {
    await sql`drop schema ${sql(schema)} cascade`;
    await sql.end();
  }
}

Deno.test(
  "outbox gauges without parking: backlog, oldest age, parked 0; pool by state",
  opts,
  async () => {
    await withSchema("", async (url) => {
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
        assert.ok(age >= 90 && age < 600, `age ${age}`);
        assert.equal(sample(text, "outbox_parked_events"), 0);
        assert.equal(sample(text, 'db_pool_connections{state="max"}'), 7);
        assert.equal(sample(text, 'db_pool_connections{state="active"}'), 0);
      } finally {
        await gauges.close();
      }
    });
  },
);

Deno.test("outbox gauges with a parking column: parked rows are counted apart", opts, async () => {
  // `sql.unsafe` with a constant: the column the parking feature may add.
  await withSchema(", state text not null default 'pending'", async (url) => {
    const sql = connect(1);
    const schema = new URL(url).searchParams.get("search_path")!;
    await sql`update ${sql(schema)}.outbox set state = 'parked'
      where sent_at is null and created_at < now() - interval '60 seconds'`;
    await sql.end();
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
      assert.equal(sample(text, "outbox_pending_events"), 1);
      assert.ok(
        sample(text, "outbox_oldest_pending_age_seconds") < 60,
        "the parked row is not the oldest",
      );
      assert.equal(sample(text, "outbox_parked_events"), 1);
    } finally {
      await gauges.close();
    }
  });
});

Deno.test(
  "database unreachable: the gauges read NaN and the scrape still answers",
  opts,
  async () => {
    const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (probe.addr as Deno.NetAddr).port;
    probe.close(); // nothing listens there now
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
