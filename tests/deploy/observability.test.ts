// The `observability` profile: Prometheus scrapes the ports the API and the worker really
// serve metrics on, its config and alert rules pass promtool, and the Grafana dashboard only
// queries metric families the code exports.
import assert from "node:assert/strict";
import { parse } from "yaml";
import { parseConfig } from "../../api/config.ts";
import { API_FAMILIES, WORKER_FAMILIES } from "../helpers/metric-families.ts";
import { api, environment, read, root, services, worker } from "./compose-helpers.ts";

interface ScrapeConfig {
  job_name: string;
  dns_sd_configs: { names: string[]; port: number }[];
}
const prometheusYml = parse(read("deploy/prometheus/prometheus.yml")) as {
  scrape_configs: ScrapeConfig[];
};
const job = (name: string) => prometheusYml.scrape_configs.find((c) => c.job_name === name)!;

Deno.test("Prometheus scrapes the API's METRICS_PORT and the worker's health port", () => {
  const config = parseConfig(environment(api));
  assert.equal(config.metrics.enabled, true);
  assert.deepEqual(job("api").dns_sd_configs, [{
    names: ["api"],
    type: "A",
    port: config.metrics.port,
  }]);
  const workerPort = Number(environment(worker).WORKER_HEALTH_PORT);
  assert.deepEqual(job("worker").dns_sd_configs, [{
    names: ["worker"],
    type: "A",
    port: workerPort,
  }]);
  assert.equal(api.ports?.length, 1, "the metrics port is not published");
  for (const name of ["prometheus", "grafana"]) {
    const service = services[name] as { profiles?: string[] };
    assert.deepEqual(service.profiles, ["observability"], `${name} only with the profile`);
  }
  const mount = services.prometheus.volumes!.find((v) => v.startsWith("./deploy/prometheus:"));
  assert.equal(mount, "./deploy/prometheus:/etc/prometheus:ro");
});

Deno.test("promtool accepts the Prometheus config and the alert rules", async () => {
  const dir = new URL("deploy/prometheus/", root).pathname;
  for (const args of [["check", "config", "prometheus.yml"], ["check", "rules", "alerts.yml"]]) {
    const out = await new Deno.Command("promtool", { args, cwd: dir }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    assert.ok(out.success, `promtool ${args.join(" ")}:\n${text}`);
  }
});

Deno.test("the Grafana dashboard queries only exported families, from the provisioned source", () => {
  const dashboard = JSON.parse(read("deploy/grafana/dashboards/order-service.json"));
  const source = parse(read("deploy/grafana/provisioning/datasources/prometheus.yml"));
  const uid = source.datasources[0].uid;
  const exported = new Set([...API_FAMILIES, ...WORKER_FAMILIES]);
  const exprs: string[] = [];
  for (const panel of dashboard.panels) {
    if (panel.type === "row") continue;
    assert.equal(panel.datasource.uid, uid, panel.title);
    for (const target of panel.targets) exprs.push(target.expr);
  }
  assert.ok(exprs.length >= 10);
  const used = new Set(
    exprs.flatMap((e) =>
      [...e.matchAll(/\b([a-z_]+?)(_bucket)?\b(?=[{[)])/g)]
        .map((m) => m[1])
    ).filter((name) => name.includes("_")),
  );
  const unknown = [...used].filter((name) => !exported.has(name));
  assert.deepEqual(unknown, [], "every series the dashboard reads is exported");
  for (
    const family of [
      "http_requests_total",
      "outbox_oldest_pending_age_seconds",
      "worker_consumer_lag",
      "password_hash_queue_depth",
      "db_pool_connections",
    ]
  ) {
    assert.ok(used.has(family), `the dashboard shows ${family}`);
  }
});
