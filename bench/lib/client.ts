// Minimal HTTP client for seeding the API before a scenario (users, tokens, orders).

export class ApiClient {
  constructor(readonly baseUrl: string) {}

  async #call(path: string, init: RequestInit, expect: number): Promise<unknown> {
    const response = await fetch(this.baseUrl + path, {
      ...init,
      // Long: a login may queue behind the login scenario's bcrypt backlog on a busy machine.
      signal: AbortSignal.timeout(60_000),
    });
    const text = await response.text();
    if (response.status !== expect) {
      throw new Error(`${init.method ?? "GET"} ${path}: HTTP ${response.status} ${text}`);
    }
    return text ? JSON.parse(text) : null;
  }

  async register(email: string, password: string): Promise<string> {
    const body = await this.#call("/register", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password }),
    }, 201) as { id: string };
    return body.id;
  }

  async login(email: string, password: string): Promise<string> {
    const body = await this.#call("/auth/token", {
      method: "POST",
      body: new URLSearchParams({ username: email, password }),
    }, 200) as { access_token: string };
    return body.access_token;
  }

  async createOrder(token: string, body: unknown): Promise<{ id: string; created_at: string }> {
    return await this.#call("/orders", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    }, 201) as { id: string; created_at: string };
  }

  async getOrder(token: string, id: string): Promise<unknown> {
    return await this.#call(`/orders/${id}`, {
      headers: { authorization: `Bearer ${token}` },
    }, 200);
  }
}

/** A user registered and logged in for the bench. */
export interface BenchUser {
  email: string;
  password: string;
  id: string;
  token: string;
}

export async function benchUser(api: ApiClient, email: string): Promise<BenchUser> {
  const password = `bench-${crypto.randomUUID()}`;
  const id = await api.register(email, password);
  const token = await api.login(email, password);
  return { email, password, id, token };
}

/** Runs `task` for 0..count-1 with at most `parallel` at a time. */
export async function inParallel<T>(
  count: number,
  parallel: number,
  task: (index: number) => Promise<T>,
): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  const lanes = Array.from({ length: Math.min(parallel, count) }, async () => {
    while (next < count) {
      const index = next++;
      results[index] = await task(index);
    }
  });
  await Promise.all(lanes);
  return results;
}

export const ORDER_BODY = {
  items: { "sku-bench-1": { qty: 2, name: "Bench widget" }, "sku-bench-2": { qty: 1 } },
  order_price: 12.5,
};
