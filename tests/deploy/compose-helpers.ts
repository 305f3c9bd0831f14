// compose.yaml, parsed, with Compose's environment interpolation, and the project files the
// deployment must agree with (shared by the tests in tests/deploy/).
import assert from "node:assert/strict";
import { parse } from "yaml";

export const root = new URL("../../", import.meta.url);
export const read = (path: string) => Deno.readTextFileSync(new URL(path, root));
export const exists = (path: string) => {
  try {
    Deno.statSync(new URL(path, root));
    return true;
  } catch {
    return false;
  }
};

export interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[] | string;
  entrypoint?: string[] | string;
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test: string[] };
  restart?: string;
  stop_grace_period?: string;
}

export const compose = parse(read("compose.yaml")) as { services: Record<string, Service> };
export const services = compose.services;
export const denoJson = JSON.parse(read("deno.json"));
export const packageJson = JSON.parse(read("package.json"));
export const tools = JSON.parse(read(".tools/package.json")); // the Deno, Bun and dbmate the project runs

/** Compose's ${VAR}, ${VAR:-default} and ${VAR:?error} interpolation, and $$ for a literal $. */
export function interpolate(text: string, vars: Record<string, string>): string {
  return text.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g,
    (match, name?: string, op?: string, arg = "") => {
      if (match === "$$") return "$";
      const value = vars[name!];
      const unset = op?.startsWith(":") ? !value : value === undefined;
      if (!unset) return value;
      if (op?.endsWith("?")) throw new Error(`${name} is required: ${arg}`);
      return op ? arg : "";
    },
  );
}

// A random secret: the configuration refuses predictable ones outside development.
export const SECRETS = {
  JWT_SECRET_KEY: crypto.randomUUID() + crypto.randomUUID(),
  DB_PASSWORD: "0123456789abcdef",
};
export const environment = (service: Service, vars: Record<string, string> = SECRETS) =>
  Object.fromEntries(
    Object.entries(service.environment ?? {}).map(([key, value]) => [
      key,
      interpolate(String(value), vars),
    ]),
  );

export function dependsOn(service: Service): Record<string, { condition: string }> {
  const deps = service.depends_on ?? {};
  assert.ok(!Array.isArray(deps), "depends_on must use the long form with a condition");
  return deps;
}

export function healthUrl(service: Service): URL {
  const url = service.healthcheck?.test.join(" ").match(/https?:\/\/[^'"\s]+/)?.[0];
  assert.ok(url, "the health check calls an HTTP endpoint");
  return new URL(url);
}

export const startTask: string = denoJson.tasks.start;
export const workerScript: string = packageJson.scripts.worker;
export const api = services.api;
export const worker = services.worker;
