/** Parses a Go-style duration ("250ms", "30s", "5m", "1h", "1m30s") into milliseconds. */
export function parseDurationMs(text: string): number {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) {
    // A bare number is seconds, the unit every interval flag is usually given in.
    return Number(trimmed) * 1000;
  }
  const part = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let total = 0;
  let consumed = "";
  for (const match of trimmed.matchAll(part)) {
    const [whole, amount, unit] = match;
    total += Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
    consumed += whole;
  }
  if (consumed.length === 0 || consumed !== trimmed) {
    throw new Error(`invalid duration "${text}" (expected e.g. 500ms, 30s, 5m, 1h)`);
  }
  return Math.round(total);
}

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
