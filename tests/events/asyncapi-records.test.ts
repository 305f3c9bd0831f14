// Real records, published by the relay for real API requests, match the AsyncAPI document the
// API serves at /asyncapi.json (read with the official parser, validated with Ajv): every
// record's key, headers and value against the schemas of the message its event-type names.
import assert from "node:assert/strict";
import { type ChannelInterface, type MessageInterface, Parser } from "@asyncapi/parser";
import { Ajv } from "ajv";
import addFormats from "ajv-formats";
import { asyncApiDocument } from "../../common/events/asyncapi.ts";
import { TOPICS } from "../../common/events/topics.ts";
import { createTestApp } from "../helpers/app.ts";
import { collect, type Received } from "../helpers/kafka.ts";
import { connect, opts, relay, uniqueLockKey, waitFor } from "../helpers/events.ts";

const ajv = new Ajv({ strict: false, allErrors: true });
(addFormats as unknown as (ajv: Ajv) => void)(ajv);

/** The validators of one message: key, headers and value. */
function validators(message: MessageInterface) {
  const key = message.bindings().get("kafka")?.value().key;
  return {
    key: ajv.compile(key),
    headers: ajv.compile(message.headers()!.json()),
    value: ajv.compile(message.payload()!.json()),
  };
}

Deno.test("records from Kafka match the served AsyncAPI document", opts, async () => {
  const t = createTestApp();
  const sql = connect();
  const topics = [TOPICS.newOrder.name, TOPICS.orderEvents.name];
  const collectors = await Promise.all(topics.map(async (topic) => (await collect(topic)).start()));
  const outbox = relay(sql, uniqueLockKey());
  try {
    const served = await t.get("/asyncapi.json");
    assert.equal(served.status, 200);
    assert.equal(served.headers.get("content-type"), "application/json");
    const text = await served.text();
    assert.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify(asyncApiDocument())));
    const { document } = await new Parser().parse(text);
    assert.ok(document);

    await outbox.start();
    const u = await t.user();
    const order = await t.order(u.token);
    for (const status of ["PAID", "CANCELED"]) {
      const res = await t.json("PATCH", `/orders/${order.id}`, { status }, u.token);
      assert.equal(res.status, 200);
    }
    const ours = () => collectors.map((c) => c.records.filter((r) => r.key === order.id));
    await waitFor("3 records", () => ours().flat().length === 3, 30_000);

    const checked: string[] = [];
    for (const [i, records] of ours().entries()) {
      const channel: ChannelInterface = document.channels().all()
        .find((c: ChannelInterface) => c.address() === topics[i])!;
      for (const record of records as Received[]) {
        const message: MessageInterface | undefined = channel.messages().all()
          .find((m: MessageInterface) => m.name() === record.headers["event-type"]);
        assert.ok(message, `${record.headers["event-type"]} is a message of ${topics[i]}`);
        const valid = validators(message);
        const value: Record<string, unknown> = JSON.parse(record.value);
        assert.ok(valid.key(record.key), ajv.errorsText(valid.key.errors));
        assert.ok(valid.headers(record.headers), ajv.errorsText(valid.headers.errors));
        assert.ok(valid.value(value), ajv.errorsText(valid.value.errors));
        // The schemas can refuse: the same record with a status no order has fails.
        const broken = "to" in value ? { ...value, to: "LOST" } : { ...value, status: "LOST" };
        assert.equal(valid.value(broken), false);
        checked.push(message.name()!);
      }
    }
    assert.deepEqual(checked, ["order.created", "order.status_changed", "order.status_changed"]);
  } finally {
    await outbox.stop();
    for (const c of collectors) await c.stop();
    await t.close();
    await sql.end();
  }
});
