// The access log: every request at sample rate 1, none but server errors at 0.
import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import { Hono } from "hono";
import type { Log } from "../../common/logger.ts";
import { createFinishResponse, finishing } from "../../api/hot-path/index.ts";
import { accessLogger } from "../../api/middleware/request-log.ts";
import type { AppEnv } from "../../api/app.ts";

function appLogging(sampleRate: number) {
  const lines: { level: string; fields: Record<string, unknown> }[] = [];
  const log: Log = (level, _msg, fields = {}) => lines.push({ level, fields });
  const app = new Hono<AppEnv>();
  const access = accessLogger(log, { sampleRate });
  app.use(finishing(createFinishResponse({ record: null, access, log: () => {} })));
  app.get("/ok/:id", (c) => c.json({ ok: true }));
  app.get("/boom", () => {
    throw new Error("boom");
  });
  app.onError((_error, c) => c.json({ error: true }, 500));
  return { app, lines };
}

Deno.test("sample rate 1 logs every request with id, method, route, status and duration", async () => {
  const { app, lines } = appLogging(1);
  for (let i = 0; i < 5; i++) await app.request(`/ok/${i}`);
  strictEqual(lines.length, 5);
  const { level, fields } = lines[0];
  strictEqual(level, "info");
  deepStrictEqual(
    [fields.method, fields.route, fields.path, fields.status],
    ["GET", "/ok/:id", "/ok/0", 200],
  );
  strictEqual(typeof fields.request_id, "string");
  strictEqual(typeof fields.duration_ms, "number");
});

Deno.test("sample rate 0 logs no successful request but every server error", async () => {
  const { app, lines } = appLogging(0);
  for (let i = 0; i < 20; i++) await app.request(`/ok/${i}`);
  strictEqual(lines.length, 0);
  await app.request("/boom");
  strictEqual(lines.length, 1);
  strictEqual(lines[0].level, "error");
  strictEqual(lines[0].fields.status, 500);
});

Deno.test("a sample rate outside 0..1 is refused when the middleware is built", () => {
  throws(() => accessLogger(() => {}, { sampleRate: 1.5 }), /sampleRate/);
});
