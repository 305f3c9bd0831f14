// The API and worker images: the Dockerfile instructions the checks need, and what each entry
// module loads from the repo (shared by the tests in tests/deploy/).
import { api, exists, read, root, startTask, worker, workerScript } from "./compose-helpers.ts";

export interface Dockerfile {
  from: string;
  user?: string;
  cmd: string[];
  expose: number[];
  copies: string[];
  runs: string[];
}

/** The few instructions these checks need, from a Dockerfile with `\` continuations. */
export function dockerfile(path: string): Dockerfile {
  const lines = read(path).replace(/\\\n/g, " ").split("\n").map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"));
  const result: Dockerfile = { from: "", cmd: [], expose: [], copies: [], runs: [] };
  const args: Record<string, string> = {}; // ARG defaults, for a FROM ${BASE}
  for (const line of lines) {
    const [instruction, ...rest] = line.split(/\s+/);
    const text = rest.join(" ");
    switch (instruction.toUpperCase()) {
      case "ARG": {
        const [name, value = ""] = text.split("=");
        args[name] = value;
        break;
      }
      case "FROM":
        result.from = rest[0].replace(/\$\{(\w+)\}/g, (_, name) => args[name] ?? "");
        break;
      case "USER":
        result.user = text;
        break;
      case "CMD":
        result.cmd = JSON.parse(text);
        break;
      case "EXPOSE":
        result.expose.push(...rest.map(Number));
        break;
      case "COPY": {
        const paths = rest.filter((arg) => !arg.startsWith("--"));
        result.copies.push(...paths.slice(0, -1).map((path) => path.replace(/\/$/, "")));
        break;
      }
      case "RUN":
        result.runs.push(text);
        break;
    }
  }
  return result;
}

export const BUILTIN = /^(node:|bun:?|jsr:|https?:)/;
export const packageName = (specifier: string) =>
  specifier.replace(/^npm:/, "").split("/").slice(0, specifier.startsWith("@") ? 2 : 1).join("/")
    .replace(/(.)@.*$/, "$1");

/**
 * Everything an entry module loads from the repo (modules it imports, and files or folders it
 * opens through `new URL("…", import.meta.url)`), and the npm packages it imports.
 */
export function loadedBy(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const pattern = new RegExp(
    [
      /\b(?:import|export)\s+(?:type\s+)?(?:[^"';]*?\sfrom\s*)?["']([^"']+)["']/.source,
      /\bimport\(\s*["']([^"']+)["']\s*\)/.source,
      /\bnew URL\(\s*["']([^"']+)["']\s*,\s*import\.meta\.url\s*\)/.source,
    ].join("|"),
    "g",
  );
  const visit = (path: string) => {
    if (files.has(path)) return;
    files.add(path);
    if (!/\.[cm]?[jt]sx?$/.test(path) || !exists(path)) return;
    const base = new URL(path, root);
    for (const match of read(path).matchAll(pattern)) {
      const specifier = match[1] ?? match[2] ?? match[3];
      if (specifier.startsWith(".")) {
        visit(decodeURIComponent(new URL(specifier, base).pathname.slice(root.pathname.length)));
      } else if (!BUILTIN.test(specifier)) {
        packages.add(packageName(specifier));
      }
    }
  };
  visit(entry);
  return { files, packages };
}

export const copied = (image: Dockerfile, path: string) =>
  image.copies.some((source) => path === source || path.startsWith(`${source}/`));

export const apiEntry = startTask.split(/\s+/).find((arg) => arg.endsWith(".ts"))!;
export const workerEntry = workerScript.split(/\s+/).find((arg) => arg.endsWith(".ts"))!;
export const apiImage = dockerfile(api.build!.dockerfile);
export const workerImage = dockerfile(worker.build!.dockerfile);
