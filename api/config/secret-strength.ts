// Outside development the JWT signing key must be one nobody else has: not a value that
// appears in this repository (anyone can read it and forge admin tokens), not a placeholder,
// not short or guessable. tests/unit/secrets.test.ts scans the repository for every
// JWT_SECRET_KEY value written down and checks that this module refuses each one.

export const GENERATE_HINT = "generate one with: openssl rand -base64 48";
const MIN_LENGTH = 32;
const MIN_ENTROPY_BITS = 128;

/** Every JWT secret written in this repository (examples, scripts, docs, tests' fixed values). */
export const KNOWN_SECRETS: ReadonlySet<string> = new Set([
  "replace-with-openssl-rand-base64-48", // .env.example until 2026-11-25
  "REPLACE_ME__run__openssl_rand_-base64_48", // .env.example now
  "dev-only-secret-not-for-production", // scripts/dev.sh
  "placeholder-placeholder-placeholder", // scripts/check-deploy.sh
  "change-me",
  "changeme",
  "secret",
  "dev-secret",
  "password",
]);

const PLACEHOLDER_WORDS =
  /replace|change.?me|placeholder|example|openssl|not.?for.?production|your.?secret/i;

/** Shannon entropy of the character distribution, times the length: an upper bound on bits. */
export function entropyBits(secret: string): number {
  const counts = new Map<string, number>();
  for (const char of secret) counts.set(char, (counts.get(char) ?? 0) + 1);
  const length = [...secret].length;
  let bitsPerChar = 0;
  for (const count of counts.values()) {
    const p = count / length;
    bitsPerChar -= p * Math.log2(p);
  }
  return bitsPerChar * length;
}

/** Why `secret` must not sign tokens outside development, or undefined when it may. */
export function secretProblem(secret: string): string | undefined {
  if (KNOWN_SECRETS.has(secret) || PLACEHOLDER_WORDS.test(secret)) {
    return `is a published example or placeholder, so anyone could forge tokens; ${GENERATE_HINT}`;
  }
  if (secret.length < MIN_LENGTH) {
    return `is shorter than ${MIN_LENGTH} characters; ${GENERATE_HINT}`;
  }
  if (entropyBits(secret) < MIN_ENTROPY_BITS || /^(.+?)\1+$/s.test(secret)) {
    return `is too predictable (repeated or few distinct characters); ${GENERATE_HINT}`;
  }
  return undefined;
}
