// Runs wrk (a separate, native load generator) against a loopback URL with
// bench/wrk/scenario.lua and returns what its done() hook reports.
import { round } from "./proc.ts";

/** One kind of request in a mixed load, taken `weight` times per rotation. */
export interface MixEntry {
  weight: number;
  method: "GET" | "POST" | "PATCH";
  /** "{n}" in the path or body becomes a value unique within the run. */
  path: string;
  contentType?: string;
  body?: string;
}

export interface WrkRequest {
  /** Full URL; its path is used unless `paths` or `mix` is given. */
  url: string;
  method?: "GET" | "POST";
  token?: string;
  contentType?: string;
  body?: string;
  /** Paths rotated through, one per request. */
  paths?: string[];
  durationS: number;
  connections: number;
  threads?: number;
  /** Each connection pauses this long after every response: a paced, not saturating, load. */
  delayMs?: number;
  /** A request still unanswered after this long counts as a timeout (default 10 s). */
  timeoutS?: number;
  /** Mixed traffic in place of the single request above (the token still applies). */
  mix?: MixEntry[];
  /** Makes the mix's "{n}" values unique across runs. */
  mixRun?: string;
}

export interface WrkResult {
  requests: number;
  durationS: number;
  rps: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Non-2xx/3xx responses plus socket errors and timeouts. */
  errors: number;
  errorDetail: Record<string, number>;
  /** Responses by status class; counted only for a mix. */
  statuses: Record<"2xx" | "3xx" | "4xx" | "5xx", number>;
}

const SCRIPT = new URL("../wrk/scenario.lua", import.meta.url).pathname;

interface RawResult {
  duration_us: number;
  requests: number;
  statuses: WrkResult["statuses"];
  errors: Record<string, number>;
  latency_us: Record<string, number>;
}

/** Starts wrk; `result` resolves when it has finished (it stops itself after durationS). */
export function startWrk(
  req: WrkRequest,
): { result: Promise<WrkResult>; kill(signal?: Deno.Signal): void } {
  const child = new Deno.Command("wrk", {
    args: [
      `-t${req.threads ?? 1}`,
      `-c${req.connections}`,
      `-d${req.durationS}s`,
      "--timeout",
      `${req.timeoutS ?? 10}s`,
      "-s",
      SCRIPT,
      req.url,
    ],
    env: {
      BENCH_METHOD: req.method ?? "GET",
      BENCH_TOKEN: req.token ?? "",
      BENCH_CONTENT_TYPE: req.contentType ?? "",
      BENCH_BODY: req.body ?? "",
      BENCH_PATHS: (req.paths ?? []).join(","),
      BENCH_DELAY_MS: String(req.delayMs ?? 0),
      BENCH_MIX: (req.mix ?? []).map((m) =>
        [m.weight, m.method, m.path, m.contentType ?? "", m.body ?? ""].join("|")
      ).join("\n"),
      BENCH_MIX_RUN: req.mixRun ?? String(Date.now()),
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // wrk stops itself; this only guards against a wedged process.
  const guard = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
  }, (req.durationS + (req.timeoutS ?? 10) + 20) * 1000);
  const result = child.output().then(({ code, stdout, stderr }) => {
    clearTimeout(guard);
    const out = new TextDecoder().decode(stdout);
    const line = out.split("\n").find((l) => l.startsWith("BENCH_RESULT "));
    if (code !== 0 || !line) {
      throw new Error(
        `wrk failed (exit ${code}) for ${req.url}:\n${out}${new TextDecoder().decode(stderr)}`,
      );
    }
    const raw = JSON.parse(line.slice("BENCH_RESULT ".length)) as RawResult;
    const durationS = raw.duration_us / 1e6;
    const errors = Object.values(raw.errors).reduce((sum, n) => sum + n, 0);
    return {
      requests: raw.requests,
      durationS: round(durationS, 2),
      rps: round(raw.requests / durationS),
      p50Ms: round(raw.latency_us.p50 / 1000, 2),
      p90Ms: round(raw.latency_us.p90 / 1000, 2),
      p99Ms: round(raw.latency_us.p99 / 1000, 2),
      maxMs: round(raw.latency_us.max / 1000, 2),
      errors,
      errorDetail: raw.errors,
      statuses: raw.statuses,
    };
  });
  return {
    result,
    /** SIGINT makes wrk stop early and still report. */
    kill(signal: Deno.Signal = "SIGINT") {
      try {
        child.kill(signal);
      } catch { /* gone */ }
    },
  };
}

export function runWrk(req: WrkRequest): Promise<WrkResult> {
  return startWrk(req).result;
}
