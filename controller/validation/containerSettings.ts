/** Where container settings occur in a resource, so the run-option rules see every one of them. */
import type { BatchJob, BatchPool, ContainerSettings, OutputFile } from "../model/index.js";

export interface ContainerUse {
  readonly path: string;
  readonly settings: ContainerSettings;
  readonly outputFiles?: readonly OutputFile[];
}

export function poolContainerUses(pool: BatchPool): ContainerUse[] {
  const settings = pool.spec.startTask?.containerSettings;
  return settings === undefined ? [] : [{ path: "spec.startTask.containerSettings", settings }];
}

/** Explicit tasks, the task factory's template, and the job preparation and release tasks. */
export function jobContainerUses(job: BatchJob): ContainerUse[] {
  const uses: ContainerUse[] = [];
  const { spec } = job;
  spec.tasks?.forEach((task, i) => {
    if (task.containerSettings !== undefined)
      uses.push({ path: `spec.tasks[${i}].containerSettings`, settings: task.containerSettings, outputFiles: task.outputFiles ?? [] });
  });
  const template = spec.taskFactory?.parametricSweep.taskTemplate;
  if (template?.containerSettings !== undefined) {
    uses.push({
      path: "spec.taskFactory.parametricSweep.taskTemplate.containerSettings",
      settings: template.containerSettings,
      outputFiles: template.outputFiles ?? [],
    });
  }
  if (spec.jobPreparationTask?.containerSettings !== undefined)
    uses.push({ path: "spec.jobPreparationTask.containerSettings", settings: spec.jobPreparationTask.containerSettings });
  if (spec.jobReleaseTask?.containerSettings !== undefined)
    uses.push({ path: "spec.jobReleaseTask.containerSettings", settings: spec.jobReleaseTask.containerSettings });
  return uses;
}

/** Splits run options into words, honouring simple single and double quotes. */
export function runOptionWords(options: string | undefined): string[] {
  if (options === undefined) return [];
  return [...options.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? "");
}
