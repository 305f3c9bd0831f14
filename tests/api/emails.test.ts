// Emails are stored and returned lowercased, as the original service did; any case logs in.
import { ok, strictEqual } from "node:assert/strict";
import { createTestApp, expectProblem, test } from "../helpers/app.ts";

const t = createTestApp();
const MIGRATION = new URL(
  "../../db/migrations/20261125091000_users_email_lowercase.sql",
  import.meta.url,
);

test("an email is stored and returned lowercased; login takes any case", async () => {
  const typed = `Mixed.Case-${crypto.randomUUID()}@Example.TEST`;
  const res = await t.json("POST", "/register", { email: typed, password: "password-123" });
  strictEqual(res.status, 201);
  const user = await res.json();
  strictEqual(user.email, typed.toLowerCase());
  const [row] = await t.deps.sql`select email from users where id = ${user.id}`;
  strictEqual(row.email, typed.toLowerCase());
  const login = await t.form("/auth/token", {
    username: typed.toUpperCase(),
    password: "password-123",
  });
  strictEqual(login.status, 200);
  const me = await (await t.get("/auth/me", (await login.json()).access_token)).json();
  strictEqual(me.email, typed.toLowerCase());
  await expectProblem(
    await t.json("POST", "/register", { email: typed.toLowerCase(), password: "password-123" }),
    409,
  );
});

test("the migration folds existing mixed-case rows and then forbids new ones", async () => {
  const up = (await Deno.readTextFile(MIGRATION)).split("-- migrate:down")[0];
  const id = crypto.randomUUID();
  const email = `Old-${crypto.randomUUID()}@Example.TEST`;
  // In a transaction that is rolled back: recreate the old state, apply the migration.
  await t.deps.sql.begin(async (tx) => {
    await tx`alter table users drop constraint users_email_lowercase`;
    await tx`insert into users (id, email, password_hash) values (${id}, ${email}, 'x')`;
    await tx.unsafe(up); // the migration file itself, no input in it
    const [row] = await tx`select email from users where id = ${id}`;
    strictEqual(row.email, email.toLowerCase());
    const refused = await tx.savepoint(async (sp) => {
      await sp`insert into users (id, email, password_hash)
        values (${crypto.randomUUID()}, ${"New@Example.TEST"}, 'x')`;
    }).then(() => false, (error) => error.code === "23514");
    ok(refused, "a mixed-case email violates users_email_lowercase");
    throw new Rollback();
  }).catch((error) => {
    if (!(error instanceof Rollback)) throw error;
  });
});

class Rollback extends Error {}
