/**
 * How long simulated things take. `fast` keeps tests and `npm start` snappy; `realistic` is close to what
 * Azure Batch takes (minutes), for demos. Every duration is in milliseconds of the emulator clock.
 */
export interface Timing {
  /** A new node's `creating` phase (VM allocation). */
  nodeCreatingMs: number;
  /** A node's `starting` phase (boot, node agent). */
  nodeStartingMs: number;
  /** Time the pool's start task runs on a node (`waitingForStartTask` when waitForSuccess is set). */
  startTaskMs: number;
  /** Time a removed node spends in `leavingPool`. */
  nodeLeavingMs: number;
  /** Time a pool spends in state `deleting` before it vanishes. */
  poolDeletingMs: number;
  /** Time a pool spends in allocationState `stopping` after stopResize. */
  resizeStoppingMs: number;
  /** Time a task spends in `preparing` before `running`. */
  taskPreparingMs: number;
  /** Default time a simulated task runs. */
  taskRunMs: number;
  /** Transitional job states (disabling, enabling, terminating, deleting). */
  jobTransitionMs: number;
}

export const fastTiming: Timing = {
  nodeCreatingMs: 200,
  nodeStartingMs: 200,
  startTaskMs: 100,
  nodeLeavingMs: 100,
  poolDeletingMs: 200,
  resizeStoppingMs: 100,
  taskPreparingMs: 20,
  taskRunMs: 100,
  jobTransitionMs: 100,
};

export const realisticTiming: Timing = {
  nodeCreatingMs: 150_000,
  nodeStartingMs: 90_000,
  startTaskMs: 30_000,
  nodeLeavingMs: 30_000,
  poolDeletingMs: 60_000,
  resizeStoppingMs: 15_000,
  taskPreparingMs: 2_000,
  taskRunMs: 30_000,
  jobTransitionMs: 5_000,
};

export type TimingPreset = "fast" | "realistic";

export function resolveTiming(preset: TimingPreset = "fast", overrides: Partial<Timing> = {}): Timing {
  return { ...(preset === "realistic" ? realisticTiming : fastTiming), ...overrides };
}
