// The import graph of api/, as `deno info --json` resolves it from the API's entry points,
// type-only imports included: no cycle among api/ modules, and at most MAX_BACK_ARROWS arrows
// pointing up against the layer order below. A new file must find its place in LAYERS.
import { deepStrictEqual, ok } from "node:assert/strict";
import { relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const API = `${ROOT}api/`;

/**
 * Top to bottom: a module may import from its own layer and the layers below it. Entries end in
 * "/" for a folder, else name one file (relative to api/); the longest entry that matches wins.
 */
const LAYERS: { name: string; paths: string[] }[] = [
  { name: "entry points", paths: ["main.ts", "cli/", "deps.ts"] },
  { name: "app", paths: ["app.ts"] },
  {
    name: "features",
    paths: ["orders/", "auth/", "events/", "health/", "docs/", "metrics/", "housekeeping.ts"],
  },
  {
    name: "request path",
    paths: ["hot-path/", "middleware/", "client-ip/", "safe-input/", "request-deadline/"],
  },
  {
    name: "platform",
    paths: [
      "config.ts",
      "config/",
      "platform/",
      "metrics/metrics.ts", // the instruments; the rest of metrics/ is a feature
    ],
  },
  {
    name: "lib",
    // A concept's plain functions sit below its middleware: config and the platform use them.
    paths: ["lib/", "client-ip/ip.ts", "safe-input/rules.ts", "request-deadline/scope.ts"],
  },
];
const MAX_BACK_ARROWS = 3;

function layerOf(path: string): number {
  let layer = -1;
  let matched = "";
  LAYERS.forEach(({ paths }, index) => {
    for (const entry of paths) {
      const matches = entry.endsWith("/") ? path.startsWith(entry) : path === entry;
      if (matches && entry.length > matched.length) [layer, matched] = [index, entry];
    }
  });
  return layer;
}

async function entryPoints(): Promise<string[]> {
  const entries = [`${API}main.ts`];
  for await (const file of Deno.readDir(`${API}cli`)) {
    if (file.isFile && file.name.endsWith(".ts")) entries.push(`${API}cli/${file.name}`);
  }
  return entries.sort();
}

interface InfoModule {
  specifier: string;
  dependencies?: { code?: { specifier?: string }; type?: { specifier?: string } }[];
}

/** api/-relative path of a module → the api/ modules it imports (code or type). */
async function importGraph(): Promise<Map<string, Set<string>>> {
  const graph = new Map<string, Set<string>>();
  const apiPath = (specifier: string | undefined) => {
    if (!specifier?.startsWith("file://")) return null;
    const path = fileURLToPath(specifier);
    return path.startsWith(API) ? relative(API, path) : null;
  };
  for (const entry of await entryPoints()) {
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", pathToFileURL(entry).href],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(stdout);
    ok(code === 0, `deno info ${entry}: ${new TextDecoder().decode(stderr)}`);
    for (const module of (JSON.parse(text).modules as InfoModule[])) {
      const from = apiPath(module.specifier);
      if (from === null) continue;
      const targets = graph.get(from) ?? new Set<string>();
      graph.set(from, targets);
      for (const dependency of module.dependencies ?? []) {
        for (const to of [dependency.code?.specifier, dependency.type?.specifier].map(apiPath)) {
          if (to !== null && to !== from) targets.add(to);
        }
      }
    }
  }
  return graph;
}

/** The cycles through each module of every strongly connected group (shortest first). */
function cycles(graph: Map<string, Set<string>>): string[][] {
  // Tarjan's algorithm, then a path around each group.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const visit = (node: string) => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const group: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        group.push(member);
      } while (member !== node);
      if (group.length > 1) groups.push(group);
    }
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  const found = new Map<string, string[]>();
  for (const group of groups) {
    for (const start of group.sort()) {
      const cycle = cycleThrough(graph, new Set(group), start);
      const key = [...cycle.slice(1)].sort().join(" ");
      if (!found.has(key)) found.set(key, cycle);
    }
  }
  return [...found.values()];
}

/** A shortest path from `start` back to itself inside `group` (breadth first). */
function cycleThrough(graph: Map<string, Set<string>>, group: Set<string>, start: string) {
  const cameFrom = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const next of [...(graph.get(node) ?? [])].sort()) {
      if (!group.has(next)) continue;
      if (next === start) {
        const path = [node];
        while (path[0] !== start) path.unshift(cameFrom.get(path[0])!);
        return [...path, start];
      }
      if (!cameFrom.has(next)) {
        cameFrom.set(next, node);
        queue.push(next);
      }
    }
  }
  return [...group];
}

const graph = await importGraph();
const arrows = [...graph].flatMap(([from, targets]) => [...targets].map((to) => ({ from, to })));
console.log(`api/ import graph: ${graph.size} modules, ${arrows.length} arrows`);

Deno.test("every api/ module has a layer", () => {
  const unplaced = [...graph.keys()].filter((path) => layerOf(path) < 0).sort();
  deepStrictEqual(unplaced, [], `api/ modules outside LAYERS: ${unplaced.join(", ")}`);
});

Deno.test("no cycle among api/ modules (type imports included)", () => {
  const found = cycles(graph).map((cycle) => cycle.join(" → "));
  deepStrictEqual(found, [], `${found.length} import cycle(s):\n  ${found.join("\n  ")}`);
});

Deno.test(`at most ${MAX_BACK_ARROWS} arrows point up against the layer order`, () => {
  const back = arrows
    .filter(({ from, to }) => layerOf(to) >= 0 && layerOf(from) > layerOf(to))
    .map(({ from, to }) =>
      `${from} (${LAYERS[layerOf(from)].name}) → ${to} (${LAYERS[layerOf(to)].name})`
    )
    .sort();
  console.log(`back arrows: ${back.length} of ${arrows.length}`);
  ok(
    back.length <= MAX_BACK_ARROWS,
    `${back.length} arrows point up (at most ${MAX_BACK_ARROWS}):\n  ${back.join("\n  ")}`,
  );
});
