// The AsyncAPI document (common/events/asyncapi.ts) is valid AsyncAPI 3.0 to the official
// parser, describes every event type of the registry, and docs/asyncapi.json is not stale.
import assert from "node:assert/strict";
import { type ChannelInterface, type MessageInterface, Parser } from "@asyncapi/parser";
import { asyncApiDocument } from "../../common/events/asyncapi.ts";
import { ALL_TOPICS, EVENTS } from "../../common/events/registry.ts";

const SEVERITY_ERROR = 0;

Deno.test("the AsyncAPI document parses without errors and lists every topic and event", async () => {
  const { document, diagnostics } = await new Parser().parse(JSON.stringify(asyncApiDocument()));
  const errors = diagnostics.filter((d) => d.severity === SEVERITY_ERROR);
  assert.deepEqual(errors.map((d) => `${d.path.join(".")}: ${d.message}`), []);
  assert.ok(document);
  assert.equal(document.version(), "3.0.0");
  assert.deepEqual(
    document.channels().all().map((c) => c.address()).toSorted(),
    ALL_TOPICS.map((t) => t.name).toSorted(),
  );
  for (const event of EVENTS) {
    const channel: ChannelInterface = document.channels().all()
      .find((c: ChannelInterface) => c.address() === event.topic.name)!;
    const message: MessageInterface | undefined = channel.messages().all()
      .find((m: MessageInterface) => m.name() === event.type);
    assert.ok(message, `${event.type} on ${event.topic.name}`);
    const headers = message.headers()!.json() as { properties: Record<string, { const?: string }> };
    assert.equal(headers.properties["event-version"].const, event.version);
    assert.equal(headers.properties["event-type"].const, event.type);
    assert.ok(message.bindings().get("kafka")?.value().key, "the key is described");
  }
});

Deno.test("docs/asyncapi.json is the generated document (run `deno task asyncapi`)", () => {
  const checkedIn = JSON.parse(
    Deno.readTextFileSync(new URL("../../docs/asyncapi.json", import.meta.url)),
  );
  assert.deepEqual(checkedIn, JSON.parse(JSON.stringify(asyncApiDocument())));
});
