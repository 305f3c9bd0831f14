// Text that PostgreSQL cannot store, and nesting that recursive code cannot walk, is refused up
// front with a 422 naming the field: a NUL byte (text and jsonb reject it: SQLSTATE 22021,
// 22P05), an unpaired UTF-16 surrogate (not valid Unicode; jsonb refuses it), and JSON nested
// deeper than MAX_JSON_DEPTH. The walk is iterative, so even a hostile depth cannot overflow it.

/** Containers (objects, arrays) allowed inside one another, counting the body itself as 1. */
export const MAX_JSON_DEPTH = 32;
const MAX_REPORTED = 20;

export interface InputIssue {
  path: string;
  message: string;
}

/** Why `text` cannot be stored, or undefined when it can. */
export function unsafeTextReason(text: string): string | undefined {
  if (text.includes("\u0000")) return "must not contain NUL (U+0000) characters";
  if (!text.isWellFormed()) return "must be valid Unicode (no unpaired surrogates)";
  return undefined;
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

/**
 * Every string and key in `value` that cannot be stored, and the first place nested deeper
 * than `maxDepth`; at most MAX_REPORTED issues.
 */
export function inspectJson(value: unknown, root = "body", maxDepth = MAX_JSON_DEPTH) {
  const issues: InputIssue[] = [];
  const stack: { value: unknown; path: string; depth: number }[] = [{
    value,
    path: root,
    depth: 0,
  }];
  while (stack.length > 0 && issues.length < MAX_REPORTED) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === "string") {
      const reason = unsafeTextReason(value);
      if (reason) issues.push({ path, message: reason });
      continue;
    }
    if (value === null || typeof value !== "object") continue;
    if (depth + 1 > maxDepth) {
      issues.push({ path, message: `nested deeper than ${maxDepth} levels` });
      continue;
    }
    const entries = Array.isArray(value)
      ? value.map((item, index) => [String(index), item] as const)
      : Object.entries(value);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, item] = entries[i];
      if (!Array.isArray(value)) {
        const reason = unsafeTextReason(key);
        if (reason) issues.push({ path: join(path, key), message: `key ${reason}` });
      }
      stack.push({ value: item, path: join(path, key), depth: depth + 1 });
    }
  }
  return issues.slice(0, MAX_REPORTED);
}
