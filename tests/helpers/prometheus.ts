// A real Prometheus (Debian's `prometheus`, installed by scripts/services.sh) for the tests:
// a generated scrape config with a 1 s interval, its own port and a throwaway TSDB.
import { waitFor } from "./wait.ts";
import { serverPort } from "./ports.ts";

export interface Prometheus {
  url: string;
  /** Instant query through the HTTP API: each series' labels and value. */
  query(promql: string): Promise<{ metric: Record<string, string>; value: number }[]>;
  stop(): Promise<void>;
}

/** Starts Prometheus scraping `targets` (job name → host:port). */
export async function startPrometheus(targets: Record<string, string>): Promise<Prometheus> {
  const dir = await Deno.makeTempDir({ prefix: "prometheus-test-" });
  const jobs = Object.entries(targets).map(([job, target]) =>
    `  - job_name: ${job}\n    static_configs:\n      - targets: ["${target}"]`
  );
  await Deno.writeTextFile(
    `${dir}/prometheus.yml`,
    `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n${
      jobs.join("\n")
    }\n`,
  );
  const port = serverPort();
  const url = `http://127.0.0.1:${port}`;
  const child = new Deno.Command("prometheus", {
    args: [
      `--config.file=${dir}/prometheus.yml`,
      `--storage.tsdb.path=${dir}/data`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let log = "";
  const drained = (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) log += chunk;
  })();
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch { /* already gone */ }
    await child.status;
    await drained;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  try {
    await waitFor(async () => {
      const res = await fetch(`${url}/-/ready`);
      await res.body?.cancel();
      return res.ok;
    }, { timeoutMs: 60_000, intervalMs: 200, what: "Prometheus to be ready" });
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\nprometheus said:\n${log}`);
  }
  return {
    url,
    async query(promql) {
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const body = await res.json();
      if (body.status !== "success") throw new Error(`${promql}: ${JSON.stringify(body)}`);
      return body.data.result.map((
        r: { metric: Record<string, string>; value: [number, string] },
      ) => ({
        metric: r.metric,
        value: Number(r.value[1]),
      }));
    },
    stop,
  };
}
