// `deno task dlq`'s configuration: the brokers (KAFKA_BROKERS, or --brokers) and, for the
// replay record, the database (DATABASE_URL or DB_*). Parsed once, here only.
import process from "node:process";
import { z } from "zod";
import { ConfigError, parseEnvironment, type RawEnv } from "../../../common/env-schema.ts";
import { loadDatabaseConfig } from "../../config.ts";

const Schema = z.object({
  KAFKA_BROKERS: z.string().transform((value) =>
    value.split(",").map((item) => item.trim()).filter(Boolean)
  ).pipe(z.array(z.string().regex(/^[^:\s]+:\d+$/, "expected host:port")).min(1)),
});

export function loadDlqConfig(brokersArg?: string, env: RawEnv = process.env) {
  const merged = brokersArg ? { ...env, KAFKA_BROKERS: brokersArg } : env;
  const e = parseEnvironment(Schema, merged, { KAFKA_BROKERS: ["BROKER_URL"] }, "configuration");
  let db: ReturnType<typeof loadDatabaseConfig> | undefined;
  try {
    db = loadDatabaseConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
  }
  return { brokers: e.KAFKA_BROKERS, db };
}

export { ConfigError };
