// .env.example documents every variable the API and the worker read.
import { deepStrictEqual } from "node:assert/strict";
import { API_VARIABLES } from "../../api/config.ts";
import { WORKER_VARIABLES } from "../../worker/config.ts";

Deno.test(".env.example names every variable of the API and the worker", () => {
  const text = Deno.readTextFileSync(new URL("../../.env.example", import.meta.url));
  const documented = new Set(
    [...text.matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]),
  );
  const missing = [...new Set([...API_VARIABLES, ...WORKER_VARIABLES])]
    .filter((name) => !documented.has(name)).sort();
  deepStrictEqual(missing, []);
});
