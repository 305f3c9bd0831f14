// Keeps the Compose deployment (compose.yaml, Dockerfile.api, Dockerfile.worker) in step with
// what the rest of the project runs: deno.json's start task, package.json's worker script, the
// API's config parser, the migrations directory, the event contract and the pinned CLI versions.
// Needs no Docker engine; scripts/check-deploy.sh validates and lints the same files.
import assert from "node:assert/strict";
import { ORDER_TOPIC_PARTITIONS } from "../../common/events/order-created.ts";
import { ALL_TOPICS } from "../../common/events/registry.ts";
import {
  api,
  dependsOn,
  environment,
  interpolate,
  packageJson,
  read,
  root,
  SECRETS,
  services,
  tools,
  worker,
} from "./compose-helpers.ts";

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

Deno.test("migrations run from db/migrations with the dbmate the project pins", () => {
  const migrate = services.migrate;
  assert.equal(
    interpolate(migrate.image!, {}),
    `ghcr.io/amacneil/dbmate:${tools.dependencies.dbmate}`,
  );
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

Deno.test("kafka-init creates exactly the topics of the event registry", () => {
  const script = (services["kafka-init"].command as string[]).join(" ");
  const listed = script.match(/for topic in ([^;]+);/)?.[1].trim().split(/\s+/) ?? [];
  assert.deepEqual(listed.toSorted(), ALL_TOPICS.map((topic) => topic.name).toSorted());
  assert.ok(ALL_TOPICS.every((topic) => topic.partitions === ORDER_TOPIC_PARTITIONS));
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
    if (!service.image) continue;
    assert.match(interpolate(service.image, {}), /:(?!latest$)[\w.-]+$/, `${name}: pin a tag`);
  }
  const ignored = read(".dockerignore").split("\n").map((line) => line.trim());
  for (const path of [".env", ".data", "**/node_modules", ".git", ".tools"]) {
    assert.ok(ignored.includes(path), `.dockerignore misses ${path}`);
  }
});
