// Records a CPU profile of a running Deno process over a time window (steady state, without
// start-up), through the V8 inspector of a process started with --inspect=127.0.0.1:PORT.
// Usage: deno run --allow-net --allow-write bench/profile/capture.ts PORT SECONDS OUT.cpuprofile
const [port, seconds, out] = Deno.args;
if (!out) throw new Error("usage: capture.ts INSPECTOR_PORT SECONDS OUT.cpuprofile");

const [target] = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
const ws = new WebSocket(target.webSocketDebuggerUrl);
await new Promise((resolve, reject) => {
  ws.onopen = resolve;
  ws.onerror = reject;
});
let nextId = 1;
const waiting = new Map<number, (result: unknown) => void>();
ws.onmessage = (event) => {
  const message = JSON.parse(event.data);
  waiting.get(message.id)?.(message.result);
  waiting.delete(message.id);
};
const send = (method: string, params: Record<string, unknown> = {}) =>
  new Promise<unknown>((resolve) => {
    const id = nextId++;
    waiting.set(id, resolve);
    ws.send(JSON.stringify({ id, method, params }));
  });

await send("Profiler.enable");
await send("Profiler.setSamplingInterval", { interval: 500 }); // µs
await send("Profiler.start");
await new Promise((resolve) => setTimeout(resolve, Number(seconds) * 1000));
const { profile } = await send("Profiler.stop") as { profile: unknown };
await Deno.writeTextFile(out, JSON.stringify(profile));
ws.close();
console.log(`wrote ${out}`);
