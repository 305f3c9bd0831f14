// Field types of the API's configuration (api/config.ts): rates, lists, proxies, booleans.
import { z } from "zod";
import { parseTrustedProxies } from "../client-ip/ip.ts";
import { parseRate } from "../lib/rate.ts";

export const rate = (fallback: string) =>
  z.string().default(fallback).transform((value, ctx) => {
    try {
      return parseRate(value);
    } catch (error) {
      ctx.addIssue({ code: "custom", message: (error as Error).message });
      return z.NEVER;
    }
  });
export const list = z.string().default("").transform((value) =>
  value.split(",").map((item) => item.trim()).filter(Boolean)
);
// TRUST_PROXY: CIDRs and named ranges; `true` means loopback and private networks, `false` none.
export const trustedProxies = z.string().default("false").transform((value, ctx) => {
  const parsed = parseTrustedProxies(value);
  if (typeof parsed === "string") ctx.addIssue({ code: "custom", message: parsed });
  return typeof parsed === "string" ? z.NEVER : parsed;
});
export const bool = (fallback: boolean) =>
  z.enum(["true", "false", "1", "0", "yes", "no"]).default(fallback ? "true" : "false")
    .transform((value) => ["true", "1", "yes"].includes(value));
