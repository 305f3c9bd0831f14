// Summarises a V8 .cpuprofile (from `deno run --cpu-prof`): busy time (not idle), the
// functions with the most self time, self time per package or file, and the inclusive time
// of the project's and Hono's functions (what a middleware costs with everything it calls).
// Usage: deno run --allow-read bench/profile/summary.ts FILE.cpuprofile [N]
interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const [file, top = "25"] = Deno.args;
const n = Number(top);
const profile: Profile = JSON.parse(await Deno.readTextFile(file));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
for (const node of profile.nodes) {
  for (const child of node.children ?? []) parent.set(child, node.id);
}

/** Where the code lives: an npm package, a project file, or V8/Deno internals. */
function origin({ url, functionName }: Node["callFrame"]): string {
  if (!url) return functionName.startsWith("(") ? functionName : "(native)";
  const pkg = /node_modules\/\.deno\/([^/]+)\//.exec(url) ??
    /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) {
    const file = /\/dist\/(?:cjs\/|esm\/)?(.*)$/.exec(url)?.[1];
    return `npm:${pkg[1].replace(/@[\d.]+.*$/, "")}${file ? `/${file}` : ""}`;
  }
  if (url.startsWith("ext:")) return url.split("/").slice(0, 2).join("/");
  return /\/((?:api|common|bench)\/.*)$/.exec(url)?.[1] ?? url;
}
const label = (frame: Node["callFrame"]) =>
  `${frame.functionName || "(anonymous)"} ${origin(frame)}:${frame.lineNumber + 1}`;

const self = new Map<string, number>();
const origins = new Map<string, number>();
const inclusive = new Map<string, number>();
let busy = 0;
let all = 0;
profile.samples.forEach((id, i) => {
  const us = profile.timeDeltas[i] ?? 0;
  const frame = byId.get(id)!.callFrame;
  all += us;
  if (frame.functionName === "(idle)") return;
  busy += us;
  const add = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + us);
  add(self, label(frame));
  add(origins, origin(frame));
  const seen = new Set<string>();
  for (let node: number | undefined = id; node !== undefined; node = parent.get(node)) {
    const f = byId.get(node)!.callFrame;
    if (!/\/(api|common)\/|hono/.test(f.url)) continue;
    const key = label(f);
    if (!seen.has(key)) add(inclusive, key);
    seen.add(key);
  }
});
const pct = (us: number) => `${((100 * us) / busy).toFixed(1).padStart(5)} %`;
const print = (title: string, entries: Map<string, number>, count: number) => {
  console.log(`\n${title} (share of busy time)`);
  for (const [name, us] of [...entries].sort(([, a], [, b]) => b - a).slice(0, count)) {
    console.log(`${pct(us)}  ${name}`);
  }
};
console.log(
  `${file.split("/").pop()}: ${(all / 1e6).toFixed(1)} s sampled, ` +
    `${(busy / 1e6).toFixed(1)} s busy (${((100 * busy) / all).toFixed(0)} %), the rest idle`,
);
print("top functions by self time", self, n);
print("self time by origin", origins, 15);
print("inclusive time, project and Hono functions", inclusive, n);
