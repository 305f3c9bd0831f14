// Limits on guessing passwords and on creating accounts, on top of the general limit:
// password logins per (client, account), and registrations per client. The login rule reads
// the token form itself, since it runs before the route validates it. The per-account limit
// counts failed passwords only, so it is applied by the handler (account-lockout.ts).
import type { Context } from "hono";
import type { Rate } from "../lib/rate.ts";
import type { LimitRule } from "../hot-path/index.ts";
import { accountKey } from "./account-lockout.ts";

// A trailing slash reaches the same handler, so it must reach the same limit.
const isPost = (c: Context, path: string) =>
  c.req.method === "POST" && c.req.path.replace(/\/+$/, "") === path;

/** The account a password login is for ("" for none), or null for any other request. */
async function passwordLoginAccount(c: Context): Promise<string | null> {
  if (!isPost(c, "/auth/token")) return null;
  const form: Record<string, unknown> = await c.req.parseBody().catch(() => ({}));
  if (form.grant_type === "refresh_token") return null;
  const username = typeof form.username === "string" ? form.username : "";
  return accountKey(username);
}

export function authLimits(opts: {
  login: Rate;
  register: Rate;
  clientIp: (c: Context) => string;
}): LimitRule[] {
  if (typeof opts?.clientIp !== "function") throw new Error("authLimits: clientIp is required");
  return [
    {
      name: "login",
      rate: opts.login,
      // Not a login: answered at once, without a promise (every request asks every rule).
      key: (c) =>
        isPost(c, "/auth/token")
          ? passwordLoginAccount(c).then((account) =>
            account === null ? null : `${opts.clientIp(c)}:${account}`
          )
          : null,
    },
    {
      name: "register",
      rate: opts.register,
      key: (c) => isPost(c, "/register") ? opts.clientIp(c) : null,
    },
  ];
}
