/** One row of the `npm run bench` summary: a figure measured in this run, against its target. */
export interface BenchRow {
  readonly benchmark: string;
  /** The measured figure, formatted with its unit. */
  readonly figure: string;
  /** What it is compared with, e.g. "bound 2.61 s" or "R = 50 req/s". */
  readonly bound: string;
  /** figure relative to the bound (a fraction), when that comparison is meaningful. */
  readonly ratio?: number;
  /** The target in words, e.g. "≥ 90 % of bound". */
  readonly target: string;
  /** Met the target; undefined for a figure reported without a target. */
  readonly pass?: boolean;
  /** Everything else worth keeping in latest.json (counts, parameters). */
  readonly details?: Record<string, unknown>;
}

/** Integer parameter from the environment (BENCH_TASKS=…), else the default. */
export function envNumber(env: Readonly<Record<string, string | undefined>>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name}=${raw}: expected a positive number`);
  return value;
}

export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

export function percent(fraction: number): string {
  return `${round(fraction * 100, 1)} %`;
}

/** The shape of a submission window from the env: BENCH_TASKS, BENCH_LATENCY_MS, BENCH_CONCURRENCY. */
export function windowShapeFromEnv(env: Readonly<Record<string, string | undefined>>): {
  tasks: number;
  latencyMs: number;
  concurrency: number;
} {
  return {
    tasks: envNumber(env, "BENCH_TASKS", 100_000),
    latencyMs: envNumber(env, "BENCH_LATENCY_MS", 20),
    concurrency: envNumber(env, "BENCH_CONCURRENCY", 8),
  };
}
