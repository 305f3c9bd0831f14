// Start-up refusals: bad configuration (every problem at once) and an unmigrated database.
import { ok, strictEqual } from "node:assert/strict";
import { parseEnv } from "node:util";
import { test } from "../helpers/app.ts";
import { testEnv } from "../helpers/config.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

async function runMain(env: Record<string, string>) {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", "--allow-env", "--allow-read", "--allow-sys", "api/main.ts"],
    cwd: ROOT,
    env,
    clearEnv: true,
    // A configuration that should be refused but is not would start a server: stop it, so the
    // test fails (exit code is not 2) instead of hanging.
    signal: AbortSignal.timeout(60_000),
  }).output();
  const decoder = new TextDecoder();
  return { code, output: decoder.decode(stdout) + decoder.decode(stderr) };
}

test("bad configuration stops start-up with one message naming every problem", async () => {
  const { code, output } = await runMain({
    APP_ENV: "production",
    JWT_SECRET_KEY: "change-me",
    PORT: "eighty",
    REDIS_URL: "http://not-redis",
  });
  strictEqual(code, 2);
  for (const name of ["DATABASE_URL", "KAFKA_BROKERS", "JWT_SECRET_KEY", "PORT", "REDIS_URL"]) {
    ok(output.includes(name), `${name} not reported:\n${output}`);
  }
  ok(!/^\s+at /m.test(output), "no stack trace");
});

test("an unmigrated database stops start-up and says to migrate", async () => {
  const url = new URL(testEnv().DATABASE_URL);
  url.pathname = "/postgres"; // exists on every server, never migrated by this project
  const { code, output } = await runMain({
    ...testEnv({ DATABASE_URL: url.toString() }),
    PORT: "0",
  });
  strictEqual(code, 1, output);
  ok(output.includes("not migrated") && output.includes("deno task migrate"), output);
});

test("the .env.example secret cannot start the API in production", async () => {
  const example = parseEnv(await Deno.readTextFile(new URL(".env.example", `file://${ROOT}`)));
  const { code, output } = await runMain({
    ...testEnv({ APP_ENV: "production", BCRYPT_COST: "12" }),
    JWT_SECRET_KEY: example.JWT_SECRET_KEY!,
    PORT: "0",
  });
  strictEqual(code, 2, output);
  ok(output.includes("JWT_SECRET_KEY") && output.includes("openssl rand -base64 48"), output);
  ok(!output.includes('"listening"'), output);
});
