// The Helm chart (deploy/helm/order-service) agrees with compose.yaml, the Dockerfiles and the
// code: the same images for the one-shot jobs, the same container ports, users and topics.
// Rendering and validating the chart itself is scripts/check-helm.sh's job (it needs helm).
import assert from "node:assert/strict";
import { parse } from "yaml";
import { ALL_TOPICS } from "../../common/events/registry.ts";
import { interpolate, read, services } from "./compose-helpers.ts";

const chart = "deploy/helm/order-service/";
const values = parse(read(`${chart}values.yaml`));
const template = (name: string) => read(`${chart}templates/${name}`);
const ref = (image: { repository: string; tag: string }) => `${image.repository}:${image.tag}`;

Deno.test("the migration and topic Jobs run compose's images", () => {
  // compose.yaml names each image through a variable whose default is the official image.
  const official = (image?: string) => interpolate(image ?? "", {});
  assert.equal(ref(values.image.migrate), official(services.migrate.image));
  assert.equal(ref(values.image.kafka), official(services["kafka-init"].image));
});

Deno.test("the migration Job runs dbmate with compose's arguments, on the API image's files", () => {
  const args = template("hook-jobs.yaml").match(/^\s+args: \[(--migrations-dir.*)\]$/m)?.[1];
  assert.ok(args, "the migrate container's args");
  const chartArgs = args.split(",").map((arg) => arg.trim());
  const composeArgs = services.migrate.command as string[];
  // The same flags; only the directory differs (a bind mount there, an emptyDir here).
  assert.deepEqual(chartArgs.slice(2), composeArgs.slice(2));
  assert.equal(chartArgs[0], composeArgs[0]);
  // The init container copies what Dockerfile.api put under its WORKDIR.
  const dockerfile = read("Dockerfile.api");
  assert.match(dockerfile, /^WORKDIR \/app$/m);
  assert.match(dockerfile, /^COPY .*db\/migrations\/ db\/migrations\/$/m);
  assert.match(template("hook-jobs.yaml"), /command: \[cp, -R, \/app\/db\/migrations\/\., /);
});

Deno.test("the container ports are compose's, and the probes use the same endpoints", () => {
  const env = (service: string) => services[service].environment ?? {};
  assert.equal(String(values.config.PORT), env("api").PORT);
  assert.equal(String(values.config.METRICS_PORT), env("api").METRICS_PORT);
  assert.equal(String(values.config.WORKER_HEALTH_PORT), env("worker").WORKER_HEALTH_PORT);
  const api = template("api-deployment.yaml");
  const worker = template("worker-deployment.yaml");
  assert.ok(services.api.healthcheck?.test.join(" ").includes("/health/ready"));
  assert.match(api, /readinessProbe:\n\s+httpGet: \{ path: \/health\/ready, port: http \}/);
  assert.match(api, /livenessProbe:\n\s+httpGet: \{ path: \/health\/live, port: http \}/);
  assert.ok(services.worker.healthcheck?.test.join(" ").includes("/internal/alive"));
  assert.match(worker, /livenessProbe:\n\s+httpGet: \{ path: \/internal\/alive, port: health \}/);
});

Deno.test("the pods run as the images' own users", () => {
  const uid = (dockerfile: string) => read(dockerfile).match(/^USER (\d+)$/m)?.[1];
  assert.match(
    template("api-deployment.yaml"),
    new RegExp(`podSecurity" ${uid("Dockerfile.api")} `),
  );
  assert.match(
    template("worker-deployment.yaml"),
    new RegExp(`podSecurity" ${uid("Dockerfile.worker")} `),
  );
  const migrateUid = (services.migrate as { user?: string }).user?.split(":")[0];
  assert.match(template("hook-jobs.yaml"), new RegExp(`"uid" ${migrateUid}\\)`));
});

Deno.test("the topic Job creates exactly the event registry's topics with compose's partitions", () => {
  const listed = template("hook-jobs.yaml").match(/name: TOPICS, value: "([^"]*)"/)?.[1];
  assert.deepEqual(
    listed?.split(" ").toSorted(),
    ALL_TOPICS.map((topic) => topic.name).toSorted(),
  );
  const init = [services["kafka-init"].command].flat().join(" ");
  assert.equal(`--partitions ${values.kafka.partitions}`, init.match(/--partitions \d+/)?.[0]);
});
