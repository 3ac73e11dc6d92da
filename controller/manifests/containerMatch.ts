/**
 * A job's tasks and its pool must agree on containers (TaskAddParameter.containerSettings in the REST spec):
 * on a pool with containerConfiguration every task sets containerSettings, on a pool without it none does.
 * Checked for jobs whose poolRef names a BatchPool of the directory; a poolId pool is not known here.
 */
import { JOB_KIND, POOL_KIND } from "../model/index.js";
import type { Problem } from "../model/index.js";
import { record, type ProblemAt, type RuleCandidate as Candidate } from "./ruleCandidate.js";

export function containerMismatchProblems<C extends Candidate>(candidates: readonly C[], problemAt: ProblemAt<C>): Problem[] {
  const containerPools = new Map<string, boolean>();
  for (const pool of candidates.filter((c) => c.kind === POOL_KIND && c.valid && c.name !== undefined)) {
    containerPools.set(`${pool.namespace}/${pool.name ?? ""}`, record(pool.object.spec).containerConfiguration !== undefined);
  }
  return candidates
    .filter((c) => c.kind === JOB_KIND && c.valid)
    .flatMap((job) => {
      const found = mismatchOf(record(job.object.spec), job.namespace, containerPools);
      return found === undefined ? [] : [problemAt(job, "container-settings-pool", found.path, found.message)];
    });
}

/** The first task that disagrees with its directory pool about containers, with why. */
function mismatchOf(
  spec: Record<string, unknown>,
  namespace: string,
  containerPools: ReadonlyMap<string, boolean>,
): { path: string; message: string } | undefined {
  const poolName = record(spec.poolRef).name;
  const containers = typeof poolName === "string" ? containerPools.get(`${namespace}/${poolName}`) : undefined;
  if (containers === undefined) return undefined;
  const task = taskPaths(spec).find((t) => (t.settings !== undefined) !== containers);
  if (task === undefined) return undefined;
  return containers
    ? {
        path: task.path,
        message: `BatchPool ${String(poolName)} runs containers (spec.containerConfiguration), so every task sets containerSettings (Batch refuses a task without it there)`,
      }
    : {
        path: `${task.path}.containerSettings`,
        message: `BatchPool ${String(poolName)} has no spec.containerConfiguration, so no task may set containerSettings (Batch refuses it there); add containerConfiguration to the pool or remove containerSettings`,
      };
}

/** Every path a container-settings-pool problem of this job spec can name (to locate them ahead). */
export function containerReportPaths(spec: unknown): string[] {
  const tasks = taskPaths(record(spec));
  const withSettings = tasks.find((t) => t.settings !== undefined);
  const without = tasks.find((t) => t.settings === undefined);
  return [
    ...(withSettings === undefined ? [] : [`${withSettings.path}.containerSettings`]),
    ...(without === undefined ? [] : [without.path]),
  ];
}

/** Each declared task (or the factory's template) with its path and containerSettings. */
function taskPaths(spec: Record<string, unknown>): { path: string; settings: unknown }[] {
  const tasks = Array.isArray(spec.tasks) ? spec.tasks : [];
  const listed = tasks.map((task, i) => ({ path: `spec.tasks[${i}]`, settings: record(task).containerSettings }));
  const template = record(record(spec.taskFactory).parametricSweep).taskTemplate;
  const path = "spec.taskFactory.parametricSweep.taskTemplate";
  return template === undefined ? listed : [...listed, { path, settings: record(template).containerSettings }];
}
