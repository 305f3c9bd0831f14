// Creates the topics of the event registry (idempotent): `deno run ... api/cli/create-topics.ts host:port[,…]`.
// Used by `deno task services:up`; the API's relay runs the same ensureTopics() at start-up,
// so a fresh deployment needs no manual step.
import { ensureTopics } from "../events/topics.ts";

const brokers = (Deno.args[0] ?? "").split(",").filter(Boolean);
if (brokers.length === 0) {
  console.error("usage: create-topics.ts host:port[,host:port…]");
  Deno.exit(2);
}
await ensureTopics(brokers);
console.log(`topics ready on ${brokers.join(",")}`);
