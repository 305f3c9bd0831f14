// Keeps the Compose deployment (compose.yaml, Dockerfile.api, Dockerfile.worker) in step with
// what the rest of the project runs: deno.json's start task, package.json's worker script, the
// API's config parser, the migrations directory, the event contract and the pinned CLI versions.
// Needs no Docker engine; scripts/check-deploy.sh validates and lints the same files.
import assert from "node:assert/strict";
import { parse } from "yaml";
import { parseConfig } from "../../api/config.ts";
import {
  ORDER_DLQ_TOPIC,
  ORDER_TOPIC,
  ORDER_TOPIC_PARTITIONS,
} from "../../api/events/order-created.ts";

const root = new URL("../../", import.meta.url);
const read = (path: string) => Deno.readTextFileSync(new URL(path, root));
const exists = (path: string) => {
  try {
    Deno.statSync(new URL(path, root));
    return true;
  } catch {
    return false;
  }
};

interface Service {
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

const compose = parse(read("compose.yaml")) as { services: Record<string, Service> };
const services = compose.services;
const denoJson = JSON.parse(read("deno.json"));
const packageJson = JSON.parse(read("package.json"));
const tools = JSON.parse(read(".tools/package.json")); // the Deno, Bun and dbmate the project runs

/** Compose's ${VAR}, ${VAR:-default} and ${VAR:?error} interpolation, and $$ for a literal $. */
function interpolate(text: string, vars: Record<string, string>): string {
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

const SECRETS = { JWT_SECRET_KEY: "k".repeat(48), DB_PASSWORD: "0123456789abcdef" };
const environment = (service: Service, vars: Record<string, string> = SECRETS) =>
  Object.fromEntries(
    Object.entries(service.environment ?? {}).map(([key, value]) => [
      key,
      interpolate(String(value), vars),
    ]),
  );

interface Dockerfile {
  from: string;
  user?: string;
  cmd: string[];
  expose: number[];
  copies: string[];
  runs: string[];
}

/** The few instructions these checks need, from a Dockerfile with `\` continuations. */
function dockerfile(path: string): Dockerfile {
  const lines = read(path).replace(/\\\n/g, " ").split("\n").map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"));
  const result: Dockerfile = { from: "", cmd: [], expose: [], copies: [], runs: [] };
  for (const line of lines) {
    const [instruction, ...rest] = line.split(/\s+/);
    const args = rest.join(" ");
    switch (instruction.toUpperCase()) {
      case "FROM":
        result.from = rest[0];
        break;
      case "USER":
        result.user = args;
        break;
      case "CMD":
        result.cmd = JSON.parse(args);
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
        result.runs.push(args);
        break;
    }
  }
  return result;
}

const BUILTIN = /^(node:|bun:?|jsr:|https?:)/;
const packageName = (specifier: string) =>
  specifier.replace(/^npm:/, "").split("/").slice(0, specifier.startsWith("@") ? 2 : 1).join("/")
    .replace(/(.)@.*$/, "$1");

/**
 * Everything an entry module loads from the repo (modules it imports, and files or folders it
 * opens through `new URL("…", import.meta.url)`), and the npm packages it imports.
 */
function loadedBy(entry: string): { files: Set<string>; packages: Set<string> } {
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

const copied = (image: Dockerfile, path: string) =>
  image.copies.some((source) => path === source || path.startsWith(`${source}/`));

function dependsOn(service: Service): Record<string, { condition: string }> {
  const deps = service.depends_on ?? {};
  assert.ok(!Array.isArray(deps), "depends_on must use the long form with a condition");
  return deps;
}

function healthUrl(service: Service): URL {
  const url = service.healthcheck?.test.join(" ").match(/https?:\/\/[^'"\s]+/)?.[0];
  assert.ok(url, "the health check calls an HTTP endpoint");
  return new URL(url);
}

const startTask: string = denoJson.tasks.start;
const workerScript: string = packageJson.scripts.worker;
const apiEntry = startTask.split(/\s+/).find((arg) => arg.endsWith(".ts"))!;
const workerEntry = workerScript.split(/\s+/).find((arg) => arg.endsWith(".ts"))!;
const api = services.api;
const worker = services.worker;
const apiImage = dockerfile(api.build!.dockerfile);
const workerImage = dockerfile(worker.build!.dockerfile);

Deno.test("every depends_on waits for health or completion, never for a bare start", () => {
  for (const [name, service] of Object.entries(services)) {
    for (const [target, { condition }] of Object.entries(dependsOn(service))) {
      const on = `${name} -> ${target}`;
      assert.ok(services[target], `${on}: no such service`);
      if (condition === "service_healthy") {
        assert.ok(services[target].healthcheck, `${on}: ${target} has no health check`);
      } else {
        assert.equal(condition, "service_completed_successfully", `${on}: condition`);
        assert.equal(services[target].restart, "no", `${on}: ${target} must be a one-shot`);
      }
    }
    if (service.restart !== "no") assert.ok(service.healthcheck, `${name} has no health check`);
  }
});

Deno.test("the API image runs deno.json's start task, on the port the API listens on", () => {
  assert.match(startTask, /^deno run .*\.ts$/);
  assert.equal(apiImage.from, `denoland/deno:${tools.dependencies.deno}`);
  assert.deepEqual(apiImage.cmd, ["deno", "task", "start"]);
  assert.equal(api.command, undefined, "compose must not override the image's command");
  assert.equal(api.entrypoint, undefined);
  assert.ok(apiImage.user && !/^(root|0)(:|$)/.test(apiImage.user), "runs as a non-root user");
  assert.ok(apiImage.runs.some((run) => /^deno install\b.*--frozen/.test(run)));

  // What compose passes must be a valid production configuration for the API itself.
  const config = parseConfig(environment(api));
  assert.equal(config.env, "production");
  const [published, target] = interpolate(api.ports![0], {}).split(":");
  assert.equal(published, "8000", "published on the original's port by default");
  assert.equal(Number(target), config.port);
  assert.deepEqual(apiImage.expose, [config.port]);
  const health = healthUrl(api);
  assert.equal(health.pathname, "/health/ready");
  assert.equal(Number(health.port), config.port);
  const grace = Number(/^(\d+)s$/.exec(String(api.stop_grace_period))?.[1]) * 1000;
  assert.ok(grace > config.shutdownTimeoutMs, "compose waits longer than the API's own deadline");

  // Its backing services are the compose services, at the address Kafka advertises.
  assert.equal(new URL(config.db.url).hostname, "postgres");
  assert.equal(new URL(config.redis.url).hostname, "redis");
  const advertised = services.kafka.environment!.KAFKA_ADVERTISED_LISTENERS;
  assert.deepEqual(config.kafka.brokers.map((broker) => `PLAINTEXT://${broker}`), [advertised]);
  assert.deepEqual(environment(worker).KAFKA_BROKERS, config.kafka.brokers.join(","));
  assert.equal(environment(worker).DATABASE_URL, config.db.url);
});

Deno.test("the worker image runs package.json's worker script, with its health port", () => {
  assert.match(workerScript, /^bun [\w/.-]+\.ts$/);
  assert.equal(workerImage.from.replace(/-[a-z]+$/, ""), `oven/bun:${tools.dependencies.bun}`);
  assert.deepEqual(workerImage.cmd, ["bun", "run", "worker"]);
  assert.equal(worker.command, undefined, "compose must not override the image's command");
  assert.equal(worker.entrypoint, undefined);
  assert.ok(workerImage.user && !/^(root|0)(:|$)/.test(workerImage.user));
  const install = /^bun install\b(?=.*--frozen-lockfile)(?=.*--production)/;
  assert.ok(workerImage.runs.some((run) => install.test(run)), "frozen, production deps only");
  assert.ok(workerImage.copies.includes("bun.lock") && exists("bun.lock"));

  const port = Number(environment(worker).WORKER_HEALTH_PORT);
  assert.equal(port, 8010, "the original's health port");
  const health = healthUrl(worker);
  assert.equal(health.pathname, "/internal/alive");
  assert.equal(Number(health.port), port);
  assert.deepEqual(workerImage.expose, [port]);
  assert.equal(worker.ports, undefined, "the worker's health port stays inside the network");
});

const images = [
  { name: "API", image: apiImage, entry: apiEntry },
  { name: "worker", image: workerImage, entry: workerEntry },
];
for (const { name, image, entry } of images) {
  Deno.test({
    name: `the ${name} image contains every file ${entry} loads`,
    ignore: !exists(entry),
    fn() {
      const { files, packages } = loadedBy(entry);
      for (const file of files) assert.ok(copied(image, file), `${file} is not copied into it`);
      const installed = name === "API"
        ? { ...packageJson.dependencies, ...packageJson.devDependencies }
        : packageJson.dependencies; // `bun install --production` leaves devDependencies out
      for (const pkg of packages) assert.ok(installed[pkg], `${pkg} is not installed in it`);
      const ignored = read(".dockerignore").split("\n").map((line) => line.trim());
      for (const source of image.copies) assert.ok(!ignored.includes(source), `${source} ignored`);
    },
  });
}

Deno.test("migrations run from db/migrations with the dbmate the project pins", () => {
  const migrate = services.migrate;
  assert.equal(migrate.image, `ghcr.io/amacneil/dbmate:${tools.dependencies.dbmate}`);
  assert.equal(tools.dependencies.dbmate, packageJson.devDependencies.dbmate);
  const mount = migrate.volumes!.map((volume) => volume.split(":"))
    .find(([source]) => source.replace(/^\.\//, "") === "db/migrations");
  assert.ok(mount, "db/migrations is mounted");
  const args = migrate.command as string[];
  assert.equal(args[args.indexOf("--migrations-dir") + 1], mount[1]);
  assert.ok(args.includes("--no-dump-schema") && args.at(-1) === "up");
  assert.match(read("scripts/migrate.sh"), /--migrations-dir db\/migrations\b/);
  const migrations = [...Deno.readDirSync(new URL("db/migrations", root))];
  assert.ok(migrations.some((file) => file.name.endsWith(".sql")));
  const url = environment(migrate).DATABASE_URL;
  assert.equal(url, environment(api).DATABASE_URL);
  assert.match(url, /[?&]sslmode=disable\b/, "dbmate needs an explicit sslmode without TLS");
  assert.deepEqual(dependsOn(api).migrate, { condition: "service_completed_successfully" });
  assert.deepEqual(dependsOn(worker).migrate, { condition: "service_completed_successfully" });
});

Deno.test("kafka-init creates the topics of the event contract", () => {
  const script = (services["kafka-init"].command as string[]).join(" ");
  for (const topic of [ORDER_TOPIC, ORDER_DLQ_TOPIC]) {
    assert.match(script, new RegExp(`(^|\\s)${topic.replace(".", "\\.")}(\\s|;|$)`));
  }
  assert.match(script, new RegExp(`--partitions ${ORDER_TOPIC_PARTITIONS}\\b`));
  assert.equal(services.kafka.environment!.KAFKA_NUM_PARTITIONS, String(ORDER_TOPIC_PARTITIONS));
});

Deno.test("secrets have no default, images are pinned, local state stays out of builds", () => {
  for (const secret of Object.keys(SECRETS)) {
    const vars: Record<string, string> = { ...SECRETS };
    delete vars[secret];
    assert.throws(() => environment(api, vars), new RegExp(`${secret} is required`));
  }
  for (const [name, service] of Object.entries(services)) {
    if (service.image) assert.match(service.image, /:(?!latest$)[\w.-]+$/, `${name}: pin a tag`);
  }
  const ignored = read(".dockerignore").split("\n").map((line) => line.trim());
  for (const path of [".env", ".data", "**/node_modules", ".git", ".tools"]) {
    assert.ok(ignored.includes(path), `.dockerignore misses ${path}`);
  }
});
