// Fresh users for a scenario, registered and logged in through the API itself.
import { sleep } from "./env.ts";
import type { User } from "./load.ts";

/** Registers and logs in `count` fresh users through the API (retrying while it starts). */
export async function registerUsers(url: () => string, count: number): Promise<User[]> {
  const users: User[] = [];
  for (let i = 0; i < count; i++) {
    const email = `chaos-${crypto.randomUUID()}@example.test`;
    const password = `chaos-${crypto.randomUUID()}`;
    users.push(
      await retry(async () => {
        const registered = await fetch(`${url()}/register`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ email, password }),
        });
        const user = await registered.json();
        // 409: an earlier attempt did register before failing to answer.
        if (registered.status !== 201 && registered.status !== 409) {
          throw new Error(`register: ${registered.status} ${JSON.stringify(user)}`);
        }
        const login = await fetch(`${url()}/auth/token`, {
          method: "POST",
          body: new URLSearchParams({ username: email, password }),
        });
        const tokens = await login.json();
        if (login.status !== 200) {
          throw new Error(`login: ${login.status} ${JSON.stringify(tokens)}`);
        }
        const me = await fetch(`${url()}/auth/me`, {
          headers: { authorization: `Bearer ${tokens.access_token}` },
        });
        const profile = await me.json();
        if (me.status !== 200) throw new Error(`me: ${me.status}`);
        return { id: profile.id as string, token: tokens.access_token as string };
      }),
    );
  }
  return users;
}

async function retry<T>(task: () => Promise<T>, attempts = 20): Promise<T> {
  for (let i = 1;; i++) {
    try {
      return await task();
    } catch (error) {
      if (i >= attempts) throw error;
      await sleep(500);
    }
  }
}
