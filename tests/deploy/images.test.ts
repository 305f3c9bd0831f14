// The API and worker images run what deno.json and package.json run, on the ports and health
// endpoints compose uses, and contain every file and package their entry modules load.
import assert from "node:assert/strict";
import { parseConfig } from "../../api/config.ts";
import {
  api,
  environment,
  exists,
  healthUrl,
  interpolate,
  packageJson,
  read,
  services,
  startTask,
  tools,
  worker,
  workerScript,
} from "./compose-helpers.ts";
import { apiEntry, apiImage, copied, loadedBy, workerEntry, workerImage } from "./image-helpers.ts";

Deno.test("the API image runs deno.json's start task, on the port the API listens on", () => {
  // Leading settings are the allocator's (docs/performance.md), read by glibc at start-up.
  assert.match(startTask, /^([A-Z_]+=\S+ )*deno run .*\.ts$/);
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
