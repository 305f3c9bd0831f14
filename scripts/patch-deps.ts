// Applies the npm dependency patches listed in package.json `patchedDependencies` (the same
// files Bun applies itself at `bun install`) to Deno's node_modules. Run after every
// `deno install`; idempotent: an already patched file is left alone, and a file matching
// neither the original nor the patched text stops the install with an error (the package
// changed: review the patch).
//
// Deno's node_modules/.deno copies are HARDLINKS into its global npm cache (and so into every
// other checkout on the machine). Editing them in place would patch all of those too, so a
// patched file is written beside the original and renamed over it, which breaks the link.
//
//   deno run --allow-read --allow-write scripts/patch-deps.ts [--check]
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

interface Hunk {
  before: string;
  after: string;
}

/** Parses a git-style unified diff into {file: hunks}; text before the first `diff` is notes. */
export function parsePatch(text: string): Map<string, Hunk[]> {
  const files = new Map<string, Hunk[]>();
  let hunks: Hunk[] | undefined;
  let hunk: { before: string[]; after: string[] } | undefined;
  const flush = () => {
    if (hunk && hunks) hunks.push({ before: hunk.before.join("\n"), after: hunk.after.join("\n") });
    hunk = undefined;
  };
  for (const line of text.split("\n")) {
    if (line.startsWith("diff --git ")) {
      flush();
      hunks = undefined;
    } else if (line.startsWith("+++ b/")) {
      hunks = [];
      files.set(line.slice("+++ b/".length), hunks);
    } else if (line.startsWith("@@") && hunks) {
      flush();
      hunk = { before: [], after: [] };
    } else if (hunk) {
      if (line.startsWith(" ") || line === "") {
        hunk.before.push(line.slice(1));
        hunk.after.push(line.slice(1));
      } else if (line.startsWith("-")) hunk.before.push(line.slice(1));
      else if (line.startsWith("+")) hunk.after.push(line.slice(1));
    }
  }
  flush();
  return files;
}

export type PatchOutcome = "patched" | "already patched";

/** Applies the hunks to one file's text; throws when the text matches neither side. */
export function applyHunks(text: string, hunks: Hunk[], file: string): [string, PatchOutcome] {
  if (hunks.every((h) => text.includes(h.after)) && hunks.some((h) => !text.includes(h.before))) {
    return [text, "already patched"];
  }
  let out = text;
  for (const h of hunks) {
    const at = out.indexOf(h.before);
    if (at < 0 || out.indexOf(h.before, at + 1) >= 0) {
      throw new Error(`${file}: the patch does not apply (the package changed?)`);
    }
    out = out.slice(0, at) + h.after + out.slice(at + h.before.length);
  }
  return [out, "patched"];
}

/** node_modules/.deno/<name>@<version>/node_modules/<name>, as Deno lays packages out. */
function packageDir(spec: string): string {
  const at = spec.lastIndexOf("@");
  const [name, version] = [spec.slice(0, at), spec.slice(at + 1)];
  return join(
    ROOT,
    "node_modules",
    ".deno",
    `${name.replace("/", "+")}@${version}`,
    "node_modules",
    name,
  );
}

async function main(checkOnly: boolean) {
  const manifest = JSON.parse(await Deno.readTextFile(join(ROOT, "package.json")));
  const patches: Record<string, string> = manifest.patchedDependencies ?? {};
  let missing = 0;
  for (const [spec, patchFile] of Object.entries(patches)) {
    const dir = packageDir(spec);
    const files = parsePatch(await Deno.readTextFile(join(ROOT, patchFile)));
    for (const [file, hunks] of files) {
      const path = join(dir, file);
      const [patched, outcome] = applyHunks(await Deno.readTextFile(path), hunks, path);
      if (outcome === "already patched") continue;
      if (checkOnly) {
        console.error(`[patch-deps] not patched: ${spec} ${file}`);
        missing++;
        continue;
      }
      const tmp = `${path}.patch-tmp`;
      await Deno.writeTextFile(tmp, patched);
      await Deno.rename(tmp, path); // a new inode: the global cache's copy stays untouched
      console.error(`[patch-deps] patched ${spec} ${file} (${patchFile})`);
    }
  }
  if (missing > 0) Deno.exit(1);
}

if (import.meta.main) await main(Deno.args.includes("--check"));
