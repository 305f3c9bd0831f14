// A configuration mistake rather than an outage: the worker is replaced by one whose
// DATABASE_URL names a role that does not exist, for 20 s under load, then the right one comes
// back (issue 18). The wrong one must pause (GET /internal/ready 503, alive 204) rather than
// dead-letter; the row fails on any dead letter, lost order or second effect.
import { services, sleep, until } from "./env.ts";
import { workerSlot } from "./procs.ts";
import type { Scenario } from "./scenario.ts";

const WRONG_FOR_MS = 20_000;

async function get(url: string): Promise<{ status: number; body: string }> {
  try {
    const response = await fetch(url);
    return { status: response.status, body: await response.text() };
  } catch (error) {
    return { status: 0, body: String(error) };
  }
}

export const wrongRole: Scenario = {
  name: "worker with a wrong database role for 20 s",
  noDeadLetters: true,
  async fault(run) {
    const { cluster, notes } = run;
    const url = new URL(services.databaseUrl);
    url.username = `chaos_no_such_role_${crypto.randomUUID().slice(0, 8)}`;
    await cluster.workers[0].kill("SIGTERM");
    const wrong = workerSlot("worker-wrong-role", cluster.groupId, {
      DATABASE_URL: url.toString(),
    });
    run.extras.push(wrong);
    const started = Date.now();
    await wrong.start();
    const base = `http://127.0.0.1:${wrong.port}/internal`;
    const ready = await until(async () => {
      const r = await get(`${base}/ready`);
      return r.status === 503 && r.body.includes('"paused"') && r.body;
    }, WRONG_FOR_MS);
    if (!ready) throw new Error("the wrong-role worker never reported a pause on /internal/ready");
    const pause = JSON.parse(ready);
    notes.push(
      `wrong-role worker paused after ${Date.now() - started} ms: ready 503 ` +
        `(${pause.reason}, ${pause.code}), alive ${(await get(`${base}/alive`)).status}`,
    );
    await sleep(Math.max(0, WRONG_FOR_MS - (Date.now() - started)));
    const metrics = (await get(`http://127.0.0.1:${wrong.port}/metrics`)).body;
    const sample = (name: string) => metrics.match(new RegExp(`^${name} (\\S+)$`, "m"))?.[1];
    notes.push(
      `after ${Math.round((Date.now() - started) / 1000)} s: worker_paused{authentication}=` +
        `${sample('worker_paused\\{reason="authentication"\\}')}, dlq=` +
        `${sample('worker_records_total\\{result="dlq"\\}')}`,
    );
    const stopping = Date.now();
    const code = await wrong.kill("SIGTERM");
    notes.push(`wrong-role worker exited ${code} ${Date.now() - stopping} ms after SIGTERM`);
    await cluster.workers[0].start();
  },
};
