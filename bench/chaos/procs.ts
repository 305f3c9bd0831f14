// The processes under test, each in a "slot" the harness can start, signal and restart: an API
// (started with `deno task start`'s own flags) or a worker (`bun worker/main.ts`). A slot
// remembers every exit and whether the harness caused it, so the report can tell a process
// that died by itself from one the fault killed on purpose.
import { spawnApi } from "../lib/api-process.ts";
import { freePort, type Service, spawnService, waitForHttp } from "../lib/proc.ts";
import { ROOT, services, settings } from "./env.ts";

export interface Exit {
  code: number;
  /** The harness signalled the process (the fault is its own kill, or a planned stop). */
  expected: boolean;
  /** The signal the harness sent, if it did. */
  signal?: Deno.Signal;
  tail: string;
}

export class Slot {
  service?: Service;
  readonly exits: Exit[] = [];
  #expecting: Deno.Signal | null = null;

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly spawn: () => Service,
    private readonly ready: (service: Service) => Promise<void>,
  ) {}

  get alive(): boolean {
    return this.service !== undefined;
  }

  async start(): Promise<void> {
    const service = this.spawn();
    this.service = service;
    this.#expecting = null;
    service.exited.then((code) => {
      const signal = this.#expecting ?? undefined;
      this.exits.push({ code, expected: signal !== undefined, signal, tail: service.tail() });
      if (this.service === service) this.service = undefined;
    });
    await this.ready(service);
  }

  /** Signals the process on purpose and waits for it to exit; returns its exit code. */
  async kill(signal: Deno.Signal, waitMs = 30_000): Promise<number | null> {
    const service = this.service;
    if (!service) return null;
    this.#expecting = signal;
    Deno.kill(service.pid, signal);
    const timer = setTimeout(() => {
      try {
        Deno.kill(service.pid, "SIGKILL");
      } catch { /* gone */ }
    }, waitMs);
    const code = await service.exited;
    clearTimeout(timer);
    return code;
  }

  async stop(): Promise<void> {
    if (this.service) await this.kill("SIGTERM");
  }
}

/** An API process as `deno task start` runs it, with cheap bcrypt and a huge rate limit. */
export function apiSlot(name: string, secret: string, extraEnv: Record<string, string> = {}) {
  const port = freePort();
  const metricsPort = freePort();
  const url = `http://127.0.0.1:${port}`;
  const slot = new Slot(name, port, () =>
    spawnApi({
      name,
      port,
      secret,
      rateLimit: "1000000/minute",
      env: {
        DATABASE_URL: services.databaseUrl,
        REDIS_URL: services.redisUrl,
        KAFKA_BROKERS: services.brokers.join(","),
        BCRYPT_COST: "4",
        PASSWORD_HASH_WORKERS: "1",
        METRICS_PORT: String(metricsPort),
        LOGGING_LVL: "WARNING",
        // A poison outbox row is parked after 3 failed attempts (seconds, not minutes).
        OUTBOX_MAX_ATTEMPTS: "3",
        ...extraEnv,
      },
    }), (service) => waitForHttp(`${url}/health/live`, service, { timeoutMs: 60_000 }));
  return Object.assign(slot, { url });
}

export type ApiSlot = ReturnType<typeof apiSlot>;

/** A worker process in consumer group `groupId`, with short simulated work. */
export function workerSlot(name: string, groupId: string, extraEnv: Record<string, string> = {}) {
  const port = freePort();
  return new Slot(name, port, () =>
    spawnService({
      name,
      cmd: "bun",
      args: [`${ROOT}worker/main.ts`],
      env: {
        DATABASE_URL: services.databaseUrl,
        KAFKA_BROKERS: services.brokers.join(","),
        KAFKA_GROUP_ID: groupId,
        KAFKA_CLIENT_ID: name,
        KAFKA_SESSION_TIMEOUT_MS: String(settings.sessionTimeoutMs),
        WORKER_HEALTH_PORT: String(port),
        WORKER_SIMULATED_WORK_MS: String(settings.workerWorkMs),
        LOGGING_LVL: "WARNING",
        ...extraEnv,
      },
    }), (service) =>
    waitForHttp(`http://127.0.0.1:${port}/internal/alive`, service, {
      status: 204,
      timeoutMs: 90_000,
    }));
}
