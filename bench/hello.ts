// Reference server for `deno task bench`: a bare Hono-on-Deno JSON hello world, served the
// same way as the API (Deno.serve + app.fetch) so the ratio measures the API's own work.
import { Hono } from "hono";

const app = new Hono();
app.get("/", (c) => c.json({ message: "Hello World" }));

const port = Number(Deno.env.get("PORT") ?? 8099);
Deno.serve({
  hostname: "127.0.0.1",
  port,
  onListen: ({ hostname, port }) =>
    console.log(JSON.stringify({ msg: "listening", hostname, port })),
}, (request) => app.fetch(request));
