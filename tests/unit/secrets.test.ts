// JWT secrets outside development: nothing written in this repository, no placeholder, nothing
// short or predictable. The scan keeps KNOWN_SECRETS in step with the files: a new example
// secret that the rules would accept fails this test until it is listed.
import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import { parseEnv } from "node:util";
import { parseConfig } from "../../api/config.ts";
import { entropyBits, secretProblem } from "../../api/config/secret-strength.ts";

const ROOT = new URL("../../", import.meta.url);
const BASE = {
  DATABASE_URL: "postgres://u:p@db:5432/orders",
  REDIS_URL: "redis://redis:6379/0",
  KAFKA_BROKERS: "kafka:9092",
};

/** Every literal JWT_SECRET_KEY value in the repository's tracked text files. */
async function secretsInRepository(): Promise<Map<string, string>> {
  const { stdout } = await new Deno.Command("git", { args: ["ls-files"], cwd: ROOT }).output();
  const found = new Map<string, string>();
  const assignment = /JWT_SECRET_KEY["']?\s*[:=]\s*(?:\$\{JWT_SECRET_KEY:-)?["']?([^"'\s$}`]+)/g;
  for (const file of new TextDecoder().decode(stdout).split("\n").filter(Boolean)) {
    if (file.startsWith("tests/unit/secrets.test.ts")) continue; // this file's own examples
    let text: string;
    try {
      text = await Deno.readTextFile(new URL(file, ROOT));
    } catch {
      continue; // deleted in the work tree
    }
    for (const match of text.matchAll(assignment)) found.set(match[1], file);
  }
  return found;
}

Deno.test("every JWT secret written in the repository is refused outside development", async () => {
  const found = await secretsInRepository();
  ok(found.size >= 3, `the scan found too little: ${[...found.keys()]}`);
  const accepted = [...found].filter(([secret]) => !secretProblem(secret));
  deepStrictEqual(accepted, [], "add these to KNOWN_SECRETS in api/config/secret-strength.ts");
});

Deno.test(".env.example's secret is an obvious placeholder that production refuses", () => {
  const example = parseEnv(Deno.readTextFileSync(new URL(".env.example", ROOT)));
  const secret = example.JWT_SECRET_KEY!;
  ok(/REPLACE/.test(secret) && /openssl/.test(secret), secret);
  throws(
    () => parseConfig({ ...BASE, APP_ENV: "production", JWT_SECRET_KEY: secret }),
    (error: Error) =>
      error.message.includes("JWT_SECRET_KEY") &&
      error.message.includes("openssl rand -base64 48"),
  );
  strictEqual(
    parseConfig({ ...BASE, APP_ENV: "development", JWT_SECRET_KEY: secret }).env,
    "development",
  );
});

Deno.test("short, repetitive and placeholder secrets are refused; random ones pass", () => {
  const weak = [
    "k".repeat(48),
    "ab".repeat(24),
    "0123456789".repeat(4),
    "short-but-random-Xy9",
    "my-super-secret-example-key-for-production-use",
    "change-me-please-change-me-please-change-me",
  ];
  for (const secret of weak) {
    ok(secretProblem(secret), `accepted: ${secret}`);
    throws(() => parseConfig({ ...BASE, APP_ENV: "test", JWT_SECRET_KEY: secret }));
  }
  const bytes = crypto.getRandomValues(new Uint8Array(48));
  const base64 = btoa(String.fromCharCode(...bytes)); // what openssl rand -base64 48 prints
  const hex = Array.from(bytes.slice(0, 32), (b) => b.toString(16).padStart(2, "0")).join("");
  for (const secret of [base64, hex, crypto.randomUUID() + crypto.randomUUID()]) {
    strictEqual(secretProblem(secret), undefined, secret);
    ok(entropyBits(secret) >= 128);
  }
});
