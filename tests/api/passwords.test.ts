// The bcrypt pool's queue is bounded: past PASSWORD_HASH_QUEUE_MAX jobs, new ones fail at once
// with a 503 problem and Retry-After instead of waiting behind everyone else.
import { ok, rejects, strictEqual } from "node:assert/strict";
import { bcryptCost, createPasswords, PasswordQueueFullError } from "../../api/auth/passwords.ts";
import { createTestApp, expectProblem, test } from "../helpers/app.ts";
import { uniqueEmail } from "../helpers/config.ts";

test("jobs past maxQueue are refused at once with 503 and Retry-After", async () => {
  const passwords = createPasswords({ cost: 4, workers: 1, maxQueue: 3 });
  try {
    // The pool's own dummy hash (for unknown accounts) holds one place in the queue.
    const admitted = [passwords.hash("password-1"), passwords.hash("password-2")];
    await rejects(passwords.hash("password-3"), (error: unknown) => {
      ok(error instanceof PasswordQueueFullError);
      strictEqual(error.status, 503);
      ok(Number(error.headers["Retry-After"]) >= 1);
      return true;
    });
    for (const hash of await Promise.all(admitted)) strictEqual(bcryptCost(hash), 4);
    // Once the queue drains, work is admitted again.
    ok(await passwords.verify("password-1", await passwords.hash("password-1")));
  } finally {
    passwords.close();
  }
});

test("a burst of registrations beyond the queue gets 503 problems, never a hang", async () => {
  const t = createTestApp({ BCRYPT_COST: "12", PASSWORD_HASH_QUEUE_MAX: "1" });
  try {
    const responses = await Promise.all(
      Array.from(
        { length: 10 },
        () =>
          t.json("POST", "/register", { email: uniqueEmail("burst"), password: "password-123" }),
      ),
    );
    const shed = responses.filter((res) => res.status === 503);
    ok(shed.length >= 1, `statuses: ${responses.map((r) => r.status)}`);
    for (const res of responses) {
      ok([201, 503].includes(res.status), `status ${res.status}`);
      if (res.status === 503) {
        ok(Number(res.headers.get("retry-after")) >= 1);
        await expectProblem(res, 503);
      } else await res.body?.cancel();
    }
  } finally {
    await t.close();
  }
});
