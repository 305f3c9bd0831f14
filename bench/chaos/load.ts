// The load: bounded-concurrency clients over real HTTP. Creators POST /orders, each with its
// own Idempotency-Key, and retry that same key on 503, 409 (still in flight), 429, any other
// 5xx, timeouts and connection errors (switching to another API process if there are several)
// until it is acknowledged with 201, so no order is lost or created twice by the client.
// Readers GET orders already created (the cached read path). Every response is counted.
import { sleep } from "./env.ts";

export interface User {
  id: string;
  token: string;
}

export interface LoadOptions {
  /** The API base URLs currently worth trying (live processes). */
  urls: () => string[];
  users: User[];
  creators: number;
  readers: number;
  thinkMs: number;
  boundMs: number;
  /** A request with no response after this long is abandoned (and over the bound). */
  timeoutMs?: number;
  /** After stop(), how long a creator may keep retrying its last key before giving up. */
  finishMs?: number;
}

export function emptyStats() {
  return {
    requests: 0,
    ok: 0,
    unavailable: 0,
    other5xx: 0,
    client4xx: 0,
    connErrors: 0,
    overBound: 0,
    /** The slowest response or abandoned request, in ms. */
    maxMs: 0,
    gets: 0,
    /** A few response bodies of unexpected statuses, for the report. */
    samples: [] as string[],
  };
}
export type LoadStats = ReturnType<typeof emptyStats>;

interface Reply {
  status: number;
  text: string;
  retryAfterS: number;
}

export class Load {
  readonly stats = emptyStats();
  /** Idempotency-Key → order id, for every 201. */
  readonly acked = new Map<string, string>();
  readonly gaveUp: string[] = [];
  readonly rejected: string[] = [];
  readonly #ordersByUser: string[][];
  #running = false;
  #stoppedAt = 0;
  #tasks: Promise<void>[] = [];

  constructor(private readonly opts: LoadOptions) {
    this.#ordersByUser = opts.users.map(() => []);
  }

  start() {
    this.#running = true;
    for (let i = 0; i < this.opts.creators; i++) this.#tasks.push(this.#creator(i));
    for (let i = 0; i < this.opts.readers; i++) this.#tasks.push(this.#reader(i));
  }

  async stop() {
    this.#running = false;
    this.#stoppedAt = Date.now();
    await Promise.all(this.#tasks);
  }

  async #request(client: number, path: string, init: RequestInit): Promise<Reply | null> {
    const urls = this.opts.urls();
    if (urls.length === 0) return null;
    const url = urls[client % urls.length];
    const started = performance.now();
    const s = this.stats;
    s.requests++;
    try {
      const response = await fetch(url + path, {
        ...init,
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 15_000),
      });
      const text = await response.text();
      const elapsed = performance.now() - started;
      s.maxMs = Math.max(s.maxMs, Math.round(elapsed));
      if (elapsed > this.opts.boundMs) s.overBound++;
      const status = response.status;
      if (status < 300) s.ok++;
      else if (status === 503) s.unavailable++;
      else if (status >= 500) s.other5xx++;
      else s.client4xx++;
      if ((status >= 500 && status !== 503) || (status >= 400 && status < 500 && status !== 409)) {
        if (s.samples.length < 5) s.samples.push(`${init.method ?? "GET"} ${status} ${text}`);
      }
      return { status, text, retryAfterS: Number(response.headers.get("retry-after") ?? 0) };
    } catch (error) {
      s.maxMs = Math.max(s.maxMs, Math.round(performance.now() - started));
      if (error instanceof DOMException && error.name === "TimeoutError") s.overBound++;
      else {
        s.connErrors++;
        if (performance.now() - started > this.opts.boundMs) s.overBound++;
      }
      return null;
    }
  }

  async #creator(client: number) {
    const userIndex = client % this.opts.users.length;
    const user = this.opts.users[userIndex];
    let apiOffset = client;
    while (this.#running) {
      const key = crypto.randomUUID();
      const body = JSON.stringify({
        items: { [`sku-${client}`]: { qty: 1 + (client % 3) }, note: "chaos" },
        order_price: 9.99,
      });
      for (;;) {
        const reply = await this.#request(apiOffset, "/orders", {
          method: "POST",
          headers: {
            authorization: `Bearer ${user.token}`,
            "content-type": "application/json",
            "idempotency-key": key,
          },
          body,
        });
        if (reply?.status === 201) {
          const id = JSON.parse(reply.text).id as string;
          this.acked.set(key, id);
          this.#ordersByUser[userIndex].push(id);
          break;
        }
        const retryable = !reply || reply.status >= 500 || reply.status === 409 ||
          reply.status === 429;
        if (!retryable) {
          this.rejected.push(`${key}: ${reply.status} ${reply.text.slice(0, 200)}`);
          break;
        }
        if (!this.#running && Date.now() - this.#stoppedAt > (this.opts.finishMs ?? 60_000)) {
          this.gaveUp.push(key);
          break;
        }
        // No answer at all: that process may be gone, so try the next one.
        if (!reply) apiOffset++;
        await sleep(reply?.status === 503 ? Math.min(1_000, reply.retryAfterS * 1_000) : 200);
      }
      await sleep(this.opts.thinkMs);
    }
  }

  async #reader(client: number) {
    while (this.#running) {
      const userIndex = client % this.opts.users.length;
      const ids = this.#ordersByUser[userIndex];
      if (ids.length > 0) {
        const id = ids[Math.floor(Math.random() * ids.length)];
        this.stats.gets++;
        await this.#request(client, `/orders/${id}`, {
          headers: { authorization: `Bearer ${this.opts.users[userIndex].token}` },
        });
      }
      await sleep(this.opts.thinkMs);
    }
  }
}
