// A tiny HTTP client for end-to-end tests against a real server.
export function client(base: string, defaults: Record<string, string> = {}) {
  async function call(method: string, path: string, opts: {
    json?: unknown;
    form?: Record<string, string>;
    token?: string;
    headers?: Record<string, string>;
  } = {}) {
    const headers: Record<string, string> = { ...defaults, ...opts.headers };
    if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
    let body: BodyInit | undefined;
    if (opts.json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(opts.json);
    } else if (opts.form) body = new URLSearchParams(opts.form);
    const res = await fetch(base + path, { method, headers, body });
    const text = await res.text();
    // deno-lint-ignore no-explicit-any
    let data: any;
    try {
      data = text ? JSON.parse(text) : undefined;
    } catch {
      data = text;
    }
    return { status: res.status, headers: res.headers, data, text };
  }

  async function user(tag = "e2e") {
    const email = `${tag}-${crypto.randomUUID()}@example.test`;
    const password = "correct horse battery";
    const reg = await call("POST", "/register", { json: { email, password } });
    if (reg.status !== 201) throw new Error(`register ${reg.status} ${reg.text}`);
    const login = await call("POST", "/auth/token", { form: { username: email, password } });
    if (login.status !== 200) throw new Error(`login ${login.status} ${login.text}`);
    return {
      id: reg.data.id as string,
      email,
      password,
      token: login.data.access_token as string,
      refresh: login.data.refresh_token as string,
    };
  }
  return { call, user };
}
