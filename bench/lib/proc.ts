// Child processes for the bench: servers started as real separate processes (their output
// kept for error messages and optional line handlers), free ports, readiness polling, and the
// small numeric helpers the reports share. Memory and CPU readings are in resource-usage.ts.

export interface Service {
  readonly name: string;
  readonly pid: number;
  /** The last lines the process wrote (stdout and stderr), for error messages. */
  tail(): string;
  /** Resolves with the exit code when the process ends. */
  readonly exited: Promise<number>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  name: string;
  cmd: string;
  args: string[];
  env?: Record<string, string>;
  /** Called with every output line (stdout and stderr). */
  onLine?: (line: string) => void;
}

const TAIL_LINES = 40;

async function pump(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void) {
  let buffered = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buffered += chunk;
    let newline: number;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      onLine(buffered.slice(0, newline));
      buffered = buffered.slice(newline + 1);
    }
  }
  if (buffered) onLine(buffered);
}

export function spawnService(opts: SpawnOptions): Service {
  const child = new Deno.Command(opts.cmd, {
    args: opts.args,
    env: opts.env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines: string[] = [];
  const onLine = (line: string) => {
    lines.push(line);
    if (lines.length > TAIL_LINES) lines.shift();
    opts.onLine?.(line);
  };
  const pumps = Promise.all([pump(child.stdout, onLine), pump(child.stderr, onLine)]);
  const exited = child.status.then(async (status) => {
    await pumps.catch(() => {});
    return status.code;
  });
  let done = false;
  exited.finally(() => (done = true));
  return {
    name: opts.name,
    pid: child.pid,
    tail: () => lines.join("\n"),
    exited,
    async stop(graceMs = 10_000) {
      if (done) return;
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
      const timer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch { /* already gone */ }
      }, graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A loopback port that was free a moment ago. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `url` until it answers `status` (default 200); throws after `timeoutMs`. */
export async function waitForHttp(
  url: string,
  service: Service,
  { status = 200, timeoutMs = 30_000 } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null = null;
  service.exited.then((code) => (exitCode = code));
  let last = "no answer";
  while (Date.now() < deadline) {
    if (exitCode !== null) {
      throw new Error(`${service.name} exited with code ${exitCode}:\n${service.tail()}`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await response.body?.cancel();
      if (response.status === status) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await sleep(200);
  }
  throw new Error(
    `${service.name} not ready at ${url} after ${timeoutMs} ms (${last}):\n${service.tail()}`,
  );
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** A strong random secret shared by every API process of a run (tokens work on all). */
export function randomSecret(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(48)), (b) => b.toString(16)).join("");
}

export function round(value: number, digits = 0): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
