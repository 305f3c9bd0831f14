// What the API's and the worker's configuration modules share: the original service's
// variable names, DATABASE_URL from its DB_* parts, and one error listing every problem.
import process from "node:process";
import { z } from "zod";

export type RawEnv = Record<string, string | undefined>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * For entry points (the API, the worker, the CLIs): the configuration, or its problems on
 * stderr and exit code 2; any other error is a bug and propagates.
 */
export function loadOrExit<T>(load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(2);
  }
}

export const positiveInt = (fallback: number) =>
  z.coerce.number().int().positive().default(fallback);

/** Builds DATABASE_URL from the original's DB_* parts when it is not given whole. */
export function databaseUrl(env: RawEnv): string | undefined {
  if (env.DATABASE_URL) return env.DATABASE_URL;
  if (!env.DB_HOST || !env.DB_NAME || !env.DB_USER) return undefined;
  const user = encodeURIComponent(env.DB_USER);
  const password = env.DB_PASSWORD ? `:${encodeURIComponent(env.DB_PASSWORD)}` : "";
  return `postgres://${user}${password}@${env.DB_HOST}:${env.DB_PORT ?? 5432}/${env.DB_NAME}`;
}

/**
 * Validates the environment with `schema` after applying `aliases` (new name → old names)
 * and dropping empty values; throws one ConfigError naming every problem.
 */
export function parseEnvironment<S extends z.ZodType>(
  schema: S,
  env: RawEnv,
  aliases: Record<string, string[]>,
  what: string,
): z.infer<S> {
  const merged: RawEnv = { ...env, DATABASE_URL: databaseUrl(env) };
  for (const [name, old] of Object.entries(aliases)) {
    merged[name] ??= old.map((alias) => env[alias]).find((value) => value !== undefined);
  }
  for (const [key, value] of Object.entries(merged)) if (value === "") delete merged[key];
  const result = schema.safeParse(merged);
  if (!result.success) {
    const problems = result.error.issues.map((issue) =>
      `  - ${issue.path.join(".") || "(env)"}: ${issue.message}`
    );
    throw new ConfigError(`invalid ${what}:\n${problems.join("\n")}`);
  }
  return result.data;
}
