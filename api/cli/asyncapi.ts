// `deno task asyncapi`: writes the AsyncAPI document of the event registry to
// docs/asyncapi.json (the same document GET /asyncapi.json serves). Run it after changing an
// event type; tests/unit/asyncapi.test.ts fails while the checked-in copy is stale.
import { asyncApiDocument } from "../../common/events/asyncapi.ts";

const path = new URL("../../docs/asyncapi.json", import.meta.url);
await Deno.writeTextFile(path, JSON.stringify(asyncApiDocument(), null, 2) + "\n");
console.log(`wrote ${path.pathname}`);
