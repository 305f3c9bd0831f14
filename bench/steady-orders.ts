// Open-loop load generator for the event-pipeline bench, run as its own process:
// POST /orders at a fixed rate (not "as fast as answers come back"), so the pipeline sees a
// steady arrival rate. Prints one JSON line with what it achieved.
//
//   deno run --allow-net bench/steady-orders.ts <base-url> <token> <rate/s> <seconds>
const [baseUrl, token, rateArg, secondsArg] = Deno.args;
const rate = Number(rateArg);
const seconds = Number(secondsArg);
if (!baseUrl || !token || !(rate > 0) || !(seconds > 0)) {
  console.error("usage: steady-orders.ts <base-url> <token> <rate/s> <seconds>");
  Deno.exit(2);
}

const MAX_IN_FLIGHT = 512;
const body = JSON.stringify({ items: { "sku-pipeline": { qty: 1 } }, order_price: 9.99 });
const headers = { "content-type": "application/json", authorization: `Bearer ${token}` };
const total = Math.round(rate * seconds);
const latencies: number[] = [];
let ok = 0;
let failed = 0;
let skipped = 0;
let firstError: string | undefined;
let inFlight = 0;
const pending = new Set<Promise<void>>();

async function send() {
  const started = performance.now();
  try {
    const response = await fetch(`${baseUrl}/orders`, { method: "POST", headers, body });
    const text = await response.text();
    if (response.status === 201) ok++;
    else {
      failed++;
      firstError ??= `HTTP ${response.status} ${text.slice(0, 200)}`;
    }
  } catch (error) {
    failed++;
    firstError ??= String(error);
  }
  latencies.push(performance.now() - started);
}

const startedAt = Date.now();
const start = performance.now();
let sent = 0;
while (sent + skipped < total) {
  const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate) + 1);
  while (sent + skipped < due) {
    if (inFlight >= MAX_IN_FLIGHT) {
      skipped++; // the API is not keeping up; do not let the backlog grow without bound
      continue;
    }
    inFlight++;
    sent++;
    const task = send().finally(() => {
      inFlight--;
      pending.delete(task);
    });
    pending.add(task);
  }
  await new Promise((resolve) => setTimeout(resolve, 2));
}
const sendingS = (performance.now() - start) / 1000;
await Promise.all(pending);

latencies.sort((a, b) => a - b);
const pct = (p: number) =>
  latencies.length
    ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]
    : 0;
console.log(JSON.stringify({
  targetRate: rate,
  sent,
  ok,
  failed,
  skipped,
  firstError,
  startedAt: new Date(startedAt).toISOString(),
  sendingS: Math.round(sendingS * 100) / 100,
  achievedRate: Math.round(sent / sendingS),
  postP50Ms: Math.round(pct(0.5) * 100) / 100,
  postP99Ms: Math.round(pct(0.99) * 100) / 100,
}));
