// PostgreSQL unreachable: quick 503 problems; an unmigrated database is refused at start-up.
import { deepStrictEqual, ok, rejects, strictEqual } from "node:assert/strict";
import { assertMigrated, MIGRATIONS_DIR, NotMigratedError } from "../../api/platform/db.ts";
import { createTestApp, expectProblem, test } from "../helpers/app.ts";

test("with PostgreSQL unreachable requests answer 503 quickly and readiness says why", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close(); // nothing listens there now
  const t = createTestApp({
    DATABASE_URL: `postgres://nobody:x@127.0.0.1:${port}/none`,
    DB_CONNECT_TIMEOUT_SECONDS: "1",
  });
  try {
    const started = performance.now();
    const res = await t.json("POST", "/register", {
      email: "db-down@example.test",
      password: "password-123",
    });
    ok(performance.now() - started < 3_000);
    const problem = await expectProblem(res, 503);
    ok(!JSON.stringify(problem).includes("ECONNREFUSED"));
    ok(res.headers.get("retry-after"));
    const ready = await t.get("/health/ready");
    strictEqual(ready.status, 503);
    // Public: the status alone, no dependency names or driver errors.
    deepStrictEqual(await ready.json(), { status: "down" });
  } finally {
    await t.close();
  }
});

test("the migration check passes on the migrated database and names what is missing", async () => {
  const t = createTestApp();
  const dir = await Deno.makeTempDir();
  try {
    await assertMigrated(t.deps.sql, MIGRATIONS_DIR);
    for await (const entry of Deno.readDir(MIGRATIONS_DIR)) {
      await Deno.copyFile(new URL(entry.name, MIGRATIONS_DIR), `${dir}/${entry.name}`);
    }
    await Deno.writeTextFile(`${dir}/29991231000000_future.sql`, "-- migrate:up\n");
    await rejects(
      assertMigrated(t.deps.sql, new URL(`file://${dir}/`)),
      (error: Error) =>
        error instanceof NotMigratedError && error.message.includes("29991231000000"),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
    await t.close();
  }
});
