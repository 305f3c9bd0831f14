// Runs a short-lived child process to completion (or kills it after timeoutMs) and collects
// its output: for fixtures that must survive a fault without any help from the test runner.
const ROOT = new URL("../../", import.meta.url).pathname;

export interface ChildResult {
  code: number;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

export async function runChild(
  command: string,
  args: string[],
  { env = {}, cwd = ROOT, timeoutMs = 20_000 }: {
    env?: Record<string, string>;
    cwd?: string;
    timeoutMs?: number;
  } = {},
): Promise<ChildResult> {
  const child = new Deno.Command(command, { args, cwd, env, stdout: "piped", stderr: "piped" })
    .spawn();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, timeoutMs);
  const output = await child.output();
  clearTimeout(timer);
  const text = new TextDecoder();
  return {
    code: output.code,
    timedOut,
    stdout: text.decode(output.stdout),
    stderr: text.decode(output.stderr),
  };
}

/** The Bun binary from .tools (the toolchain), or plain `bun` on PATH. */
export function bunPath(): string {
  const local = `${ROOT}.tools/node_modules/.bin/bun`;
  try {
    Deno.statSync(local);
    return local;
  } catch {
    return "bun";
  }
}

export const REPO_ROOT = ROOT;
