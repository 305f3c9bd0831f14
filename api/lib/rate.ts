// Parses SlowAPI/`limits`-style rate strings: "30/minute", "30 per minute", "100/5 minutes".
const UNIT_MS: Record<string, number> = {
  second: 1_000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
};

export interface Rate {
  limit: number;
  windowMs: number;
  text: string;
}

export function parseRate(text: string): Rate {
  const match = /^\s*(\d+)\s*(?:\/|per)\s*(\d+)?\s*(second|minute|hour|day)s?\s*$/i.exec(text);
  const limit = Number(match?.[1]);
  if (!match || limit < 1) {
    throw new Error(`"${text}" is not a rate like "30/minute" or "100 per 5 minutes"`);
  }
  const windowMs = Number(match[2] ?? 1) * UNIT_MS[match[3].toLowerCase()];
  return { limit, windowMs, text: text.trim() };
}
