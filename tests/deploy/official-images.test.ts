// compose.yaml selects every image through a variable (so the compose e2e can use stand-ins where
// a registry is out of reach, docs/deployment.md); with none of them set, Docker Compose itself
// must resolve exactly today's official images. Runs the Docker Compose that
// scripts/check-deploy.sh installs (CI runs that script before the tests).
import assert from "node:assert/strict";
import { exists, read, root } from "./compose-helpers.ts";

const OFFICIAL = {
  postgres: "postgres:17-alpine",
  redis: "redis:7.4-alpine",
  kafka: "apache/kafka:4.1.1",
  "kafka-init": "apache/kafka:4.1.1",
  migrate: "ghcr.io/amacneil/dbmate:2.24.0",
  prometheus: "prom/prometheus:v3.5.0",
  grafana: "grafana/grafana:12.1.1",
  "grafana-password": "grafana/grafana:12.1.1",
};
const OFFICIAL_BASES = {
  api: { DENO_IMAGE: "denoland/deno:2.9.6" },
  worker: { BUN_IMAGE: "oven/bun:1.4.5-slim" },
};
const composeBinary = ".tools/deploy-venv/bin/docker-compose";

interface Resolved {
  services: Record<string, { image?: string; build?: { args?: Record<string, string> } }>;
}

Deno.test({
  name: "docker compose config without image variables names exactly the official images",
  ignore: !exists(composeBinary), // installed by scripts/check-deploy.sh
  async fn() {
    const { success, stdout, stderr } = await new Deno.Command(
      new URL(composeBinary, root).pathname,
      {
        args: [
          "--env-file",
          "/dev/null",
          "--profile",
          "observability",
          "config",
          "--format",
          "json",
        ],
        cwd: new URL(".", root).pathname,
        clearEnv: true, // no *_IMAGE variable from the caller
        env: { PATH: Deno.env.get("PATH") ?? "", JWT_SECRET_KEY: "x".repeat(32), DB_PASSWORD: "x" },
      },
    ).output();
    assert.ok(success, new TextDecoder().decode(stderr));
    const { services } = JSON.parse(new TextDecoder().decode(stdout)) as Resolved;
    const images = Object.fromEntries(
      Object.entries(services).filter(([, s]) => !s.build).map(([name, s]) => [name, s.image]),
    );
    assert.deepEqual(images, OFFICIAL);
    for (const [name, args] of Object.entries(OFFICIAL_BASES)) {
      assert.deepEqual(services[name].build?.args, args, `${name}: base image build arg`);
    }
  },
});

Deno.test("the e2e's stand-ins replace exactly these images, under names of their own", () => {
  const table = read("scripts/compose-e2e/standins.sh").match(/<<'TABLE'\n([\s\S]*?)\nTABLE/)![1];
  const rows = table.split("\n").map((line) => line.split(" "));
  const official = new Set([
    ...Object.values(OFFICIAL),
    ...Object.values(OFFICIAL_BASES).flatMap(Object.values),
  ]);
  for (const [variable, image] of rows) {
    assert.ok(official.has(image), `${variable}: ${image} is not an image compose.yaml names`);
    assert.match(
      read("compose.yaml"),
      new RegExp(`\\$\\{${variable}:-${image.replace(/[.]/g, "\\.")}\\}`),
    );
  }
  // Grafana has no stand-in (docs/deployment.md); every other official image has one.
  assert.equal(rows.length, official.size - 1);
  assert.ok(!rows.some(([image]) => image.startsWith("grafana")));
  assert.match(read("scripts/compose-e2e/standins.sh"), /standin_repo=order-service-standin\n/);
});
