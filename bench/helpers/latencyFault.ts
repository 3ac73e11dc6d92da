/**
 * How the benches that submit tasks slow every request down (ADR 0034): by default the emulator's
 * `responseTime` fault, which applies each request on arrival and answers `latencyMs` after it arrived, as a
 * remote service whose response time includes its own work. `BENCH_LATENCY_KIND=latency` selects the
 * emulator's `latency` fault instead (wait, then apply), the model of the figures before ADR 0034.
 */
import type { EmulatorControlClient, FaultRule } from "../../emulator/control-client.js";

export type BenchLatencyKind = "responseTime" | "latency";

type Env = Readonly<Record<string, string | undefined>>;

export function benchLatencyKind(env: Env = process.env): BenchLatencyKind {
  const kind = env.BENCH_LATENCY_KIND ?? "responseTime";
  if (kind !== "responseTime" && kind !== "latency") throw new Error(`BENCH_LATENCY_KIND must be responseTime or latency, not ${kind}`);
  return kind;
}

/** The fault rule for every operation. */
export function latencyFault(latencyMs: number, env: Env = process.env): FaultRule {
  return { operationId: "*", kind: benchLatencyKind(env), latencyMs };
}

/** How a row names the model it was measured with: "20 ms response time" or "20 ms before each request". */
export function latencyText(latencyMs: number, kind: BenchLatencyKind = benchLatencyKind()): string {
  return kind === "responseTime" ? `${latencyMs} ms response time` : `${latencyMs} ms before each request`;
}

/**
 * How long after arrival the emulator released its answers on average, in ms, under the `responseTime` fault
 * (its `released` figures; undefined for `latency`): how close to the bound's latency the service kept.
 */
export async function answeredAfterMs(control: EmulatorControlClient): Promise<number | undefined> {
  const released = (await control.faults()).find((f) => f.kind === "responseTime")?.released;
  return released === undefined || released.count === 0 ? undefined : Math.round((released.sumMs / released.count) * 100) / 100;
}
