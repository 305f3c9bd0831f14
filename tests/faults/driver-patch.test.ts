// The postgres.js patch (patches/postgres@3.4.9.patch, see docs/operations.md): a reserved
// connection and a transaction whose backend is terminated must not kill the process (the
// uncaught "Cannot read properties of null (reading 'write')") nor leave a query hanging,
// under Deno (node_modules patched by scripts/patch-deps.ts) and under Bun (patched by
// `bun install` itself from package.json patchedDependencies, as in Dockerfile.worker).
import { ok, strictEqual } from "node:assert/strict";
import { applyHunks, parsePatch } from "../../scripts/patch-deps.ts";
import { bunPath, REPO_ROOT, runChild } from "../helpers/child.ts";
import { testEnv } from "../helpers/config.ts";

const FIXTURE = "tests/fixtures/reserved-connection-killed.ts";
const env = () => ({ PATH: Deno.env.get("PATH")!, DATABASE_URL: testEnv().DATABASE_URL });

function assertSurvived(result: Awaited<ReturnType<typeof runChild>>) {
  const detail = `${result.stdout}\n${result.stderr}`;
  ok(!result.timedOut, `a query never settled (the process hung):\n${detail}`);
  strictEqual(result.code, 0, `the process died:\n${detail}`);
  ok(result.stdout.includes("survived"), detail);
  ok(!/reading 'write'|evaluating 'socket.write'/.test(detail), detail);
}

Deno.test("Deno: killed reserved connections and transactions settle, the process survives", async () => {
  const result = await runChild(Deno.execPath(), ["run", "--allow-all", FIXTURE], {
    env: env(),
  });
  assertSurvived(result);
  ok(result.stdout.includes('"transaction":"CONNECTION_CLOSED"'), result.stdout);
});

Deno.test("Bun: a frozen-lockfile install applies the patch and the process survives", async () => {
  const dir = await Deno.makeTempDir({ prefix: "bun-patch-" });
  try {
    for (const file of ["package.json", "bun.lock"]) {
      await Deno.copyFile(`${REPO_ROOT}${file}`, `${dir}/${file}`);
    }
    await Deno.mkdir(`${dir}/patches`);
    for await (const entry of Deno.readDir(`${REPO_ROOT}patches`)) {
      await Deno.copyFile(`${REPO_ROOT}patches/${entry.name}`, `${dir}/patches/${entry.name}`);
    }
    await Deno.copyFile(`${REPO_ROOT}${FIXTURE}`, `${dir}/fixture.ts`);
    const install = await runChild(
      bunPath(),
      ["install", "--frozen-lockfile", "--production", "--ignore-scripts"],
      { cwd: dir, env: { ...env(), HOME: Deno.env.get("HOME") ?? "/tmp" }, timeoutMs: 120_000 },
    );
    strictEqual(install.code, 0, install.stderr);
    const source = await Deno.readTextFile(`${dir}/node_modules/postgres/src/connection.js`);
    ok(source.includes("order-service patch"), "bun install applied the patch");
    const queue = await Deno.readTextFile(`${dir}/node_modules/postgres/src/queue.js`);
    ok(queue.includes("order-service patch"), "bun install patched the pool's queues too");
    const requests = await Deno.readTextFile(
      `${dir}/node_modules/kafkajs/src/network/requestQueue/index.js`,
    );
    ok(requests.includes("order-service patch"), "bun install patched kafkajs too");
    assertSurvived(await runChild(bunPath(), ["fixture.ts"], { cwd: dir, env: env() }));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Bun: `bun run worker` in a checkout without node_modules runs on the patched driver", async () => {
  // Without worker/start.ts, Bun auto-installs into its global cache, unpatched, and the worker
  // logs "postgres.js is not patched" (worker/driver-install.ts).
  const dir = await Deno.makeTempDir({ prefix: "bun-worker-start-" });
  try {
    for (const file of ["package.json", "bun.lock"]) {
      await Deno.copyFile(`${REPO_ROOT}${file}`, `${dir}/${file}`);
    }
    for (const folder of ["patches", "worker", "common"]) {
      await new Deno.Command("cp", { args: ["-r", `${REPO_ROOT}${folder}`, `${dir}/`] }).output();
    }
    const env = {
      ...testEnv(),
      PATH: Deno.env.get("PATH")!,
      HOME: Deno.env.get("HOME") ?? "/tmp",
      KAFKA_GROUP_ID: `driver-start-${crypto.randomUUID()}`,
      WORKER_HEALTH_PORT: "0",
      LOGGING_LVL: "INFO", // "worker consuming" is an info line
    };
    const start = async () => {
      const worker = new Deno.Command(bunPath(), {
        args: ["run", "worker"],
        cwd: dir,
        env,
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      let log = "";
      const reader = worker.stdout.pipeThrough(new TextDecoderStream()).getReader();
      // A worker that never says it consumes is killed, which ends the stream and the loop.
      const giveUp = setTimeout(() => worker.kill("SIGKILL"), 120_000);
      while (!log.includes("worker consuming")) {
        const { value, done } = await reader.read();
        if (done) break;
        log += value;
      }
      clearTimeout(giveUp);
      try {
        worker.kill("SIGTERM");
      } catch { /* already gone: the assertions below say why */ }
      const [status, stderr] = await Promise.all([
        worker.status,
        new Response(worker.stderr).text(),
        reader.cancel(),
      ]);
      return { log, stderr, code: status.code };
    };
    for (const run of ["first start (installs)", "second start"]) {
      const { log, stderr, code } = await start();
      ok(log.includes("worker consuming"), `${run}: the worker started:\n${log}\n${stderr}`);
      ok(!log.includes("not patched"), `${run}: ${log}`);
      strictEqual(code, 0, `${run}: stopped cleanly on SIGTERM\n${stderr}`);
    }
    const source = await Deno.readTextFile(`${dir}/node_modules/postgres/src/connection.js`);
    ok(source.includes("order-service patch"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Deno's node_modules copy is patched, and Deno's global npm cache is not", async () => {
  const check = await runChild(Deno.execPath(), [
    "run",
    "--allow-read",
    "--allow-write",
    "scripts/patch-deps.ts",
    "--check",
  ], { env: env() });
  strictEqual(check.code, 0, check.stderr);
  const manifest = JSON.parse(await Deno.readTextFile(`${REPO_ROOT}package.json`));
  ok(manifest.patchedDependencies?.["postgres@3.4.9"], "package.json lists the postgres patch");
  for (const file of ["src/connection.js", "cjs/src/connection.js", "src/index.js"]) {
    const source = await Deno.readTextFile(`${REPO_ROOT}node_modules/postgres/${file}`);
    ok(source.includes("order-service patch"), `node_modules/postgres/${file} is patched`);
  }
  const info = JSON.parse(
    (await runChild(Deno.execPath(), ["info", "--json"], { env: env() })).stdout,
  );
  const cached = `${info.npmCache}/registry.npmjs.org/postgres/3.4.9/src/connection.js`;
  const exists = await Deno.stat(cached).then(() => true, () => false);
  if (exists) ok(!(await Deno.readTextFile(cached)).includes("order-service patch"), cached);
});

Deno.test("patch-deps: applies once, recognises its own result, refuses a changed file", () => {
  const hunks = parsePatch(
    "notes\n\ndiff --git a/f.js b/f.js\n--- a/f.js\n+++ b/f.js\n@@ -1,2 +1,3 @@\n a\n+b\n c\n",
  ).get("f.js")!;
  const [patched, first] = applyHunks("x\na\nc\ny\n", hunks, "f.js");
  strictEqual(first, "patched");
  strictEqual(patched, "x\na\nb\nc\ny\n");
  strictEqual(applyHunks(patched, hunks, "f.js")[1], "already patched");
  let refused = false;
  try {
    applyHunks("something else\n", hunks, "f.js");
  } catch {
    refused = true;
  }
  ok(refused);
});

Deno.test("Deno: a cancelled array-types query on a new connection escapes nowhere", async () => {
  const result = await runChild(
    Deno.execPath(),
    ["run", "--allow-all", "tests/fixtures/array-types-cancelled.ts"],
    { env: env() },
  );
  strictEqual(result.code, 0, `${result.stdout}\n${result.stderr}`);
  const line = result.stdout.split("\n").find((l) => l.startsWith("{"));
  ok(line, result.stdout);
  const { settled, escaped } = JSON.parse(line);
  strictEqual(settled, 5, "every query settled");
  ok(escaped.length === 0, `unhandled rejections: ${escaped.join("; ")}`);
});
