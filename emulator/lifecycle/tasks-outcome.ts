import type { Timing } from "../timing.js";
import type { TaskRecord } from "../store/job-records.js";

/**
 * Task outcomes are simulated: a task runs for `timing.taskRunMs` and exits 0 unless its environment
 * settings (or its job's common environment settings) say otherwise:
 *
 * - `BATCH_EMULATOR_EXIT_CODE`: an exit code, or a comma list giving one per attempt, the last repeating
 *   ("1,1,0": fails twice, then succeeds on the second retry);
 * - `BATCH_EMULATOR_RUN_MS`: how long each attempt runs, in milliseconds of the emulator clock.
 */
export const EXIT_CODE_SETTING = "BATCH_EMULATOR_EXIT_CODE";
export const RUN_MS_SETTING = "BATCH_EMULATOR_RUN_MS";

export interface SimulatedAttempt {
  exitCode: number;
  runMs: number;
}

/** The exit code Windows reports for a task killed at maxWallClockTime (0xC000013A as int32). */
export const WALL_CLOCK_EXIT_CODE = -1073741510;

export function simulateAttempt(task: TaskRecord, attempt: number, timing: Timing): SimulatedAttempt {
  const exitCodes = setting(task, EXIT_CODE_SETTING);
  const runMs = Number(setting(task, RUN_MS_SETTING) ?? timing.taskRunMs);
  return {
    exitCode: exitCodes === undefined ? 0 : pickExitCode(exitCodes, attempt),
    runMs: Number.isFinite(runMs) && runMs >= 0 ? runMs : timing.taskRunMs,
  };
}

function pickExitCode(list: string, attempt: number): number {
  const codes = list.split(",").map((code) => Number.parseInt(code.trim(), 10));
  const code = codes[Math.min(attempt, codes.length - 1)];
  return code === undefined || Number.isNaN(code) ? 0 : code;
}

function setting(task: TaskRecord, name: string): string | undefined {
  return findSetting(task.body.environmentSettings, name) ?? findSetting(task.job.body.commonEnvironmentSettings, name);
}

function findSetting(settings: unknown, name: string): string | undefined {
  if (!Array.isArray(settings)) return undefined;
  for (const item of settings as unknown[]) {
    const entry = item as { name?: unknown; value?: unknown } | null;
    if (entry?.name === name && typeof entry.value === "string") return entry.value;
  }
  return undefined;
}

export type JobAction = "none" | "disable" | "terminate";
export type DependencyAction = "satisfy" | "block";

/**
 * What a task's exit code means for its job and dependents (exitConditions): an exact code, then a range,
 * then `default`. Defaults: success satisfies dependents and does nothing to the job; a failure blocks
 * dependents and terminates the job when the job's onTaskFailure is performexitoptionsjobaction.
 */
export function exitOptions(task: TaskRecord, exitCode: number): { jobAction: JobAction; dependencyAction: DependencyAction } {
  const chosen = chosenExitOptions(task, exitCode);
  const success = exitCode === 0;
  const jobAction = (chosen?.jobAction as JobAction | undefined) ?? (success ? "none" : "terminate");
  return {
    jobAction: task.job.onTaskFailure === "performexitoptionsjobaction" ? jobAction : "none",
    dependencyAction: (chosen?.dependencyAction as DependencyAction | undefined) ?? (success ? "satisfy" : "block"),
  };
}

/** The exitOptions that apply: the code's own, else (for a failure) the default ones. */
function chosenExitOptions(task: TaskRecord, exitCode: number): Record<string, unknown> | undefined {
  const conditions = (task.body.exitConditions ?? {}) as Record<string, unknown>;
  return matchExitCode(conditions, exitCode) ?? (exitCode === 0 ? undefined : (conditions.default as Record<string, unknown> | undefined));
}

function matchExitCode(conditions: Record<string, unknown>, exitCode: number): Record<string, unknown> | undefined {
  const codes = Array.isArray(conditions.exitCodes) ? (conditions.exitCodes as Array<Record<string, unknown>>) : [];
  const exact = codes.find((mapping) => mapping.code === exitCode);
  if (exact !== undefined) return exact.exitOptions as Record<string, unknown>;
  const ranges = Array.isArray(conditions.exitCodeRanges) ? (conditions.exitCodeRanges as Array<Record<string, unknown>>) : [];
  const range = ranges.find((mapping) => Number(mapping.start) <= exitCode && exitCode <= Number(mapping.end));
  return range?.exitOptions as Record<string, unknown> | undefined;
}
