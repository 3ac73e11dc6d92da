/** Rules on containerRunOptions and container working directories (Batch container docs). */
import type { BatchRule, Finding } from "./rule.js";
import { jobContainerUses, poolContainerUses, runOptionWords, type ContainerUse } from "./containerSettings.js";

function forEachUse(uses: ContainerUse[], check: (use: ContainerUse, words: string[]) => Finding[]): Finding[] {
  return uses.flatMap((use) => check(use, runOptionWords(use.settings.containerRunOptions)));
}

function bothKinds(check: (use: ContainerUse, words: string[]) => Finding[]): Pick<BatchRule, "checkPool" | "checkJob"> {
  return {
    checkPool: (pool) => forEachUse(poolContainerUses(pool), check),
    checkJob: (job) => forEachUse(jobContainerUses(job), check),
  };
}

/** Short flags Batch's documentation says not to use, with the long form to use instead. */
const SHORT_FORMS: Record<string, string> = {
  "-v": "--volume",
  "-w": "--workdir",
  "-e": "--env",
  "-u": "--user",
  "-p": "--publish",
  "-m": "--memory",
  "-t": "--tty",
  "-i": "--interactive",
};

export const containerRunOptionsShortForm: BatchRule = {
  id: "container-run-options-short-form",
  severity: "error",
  summary: "containerRunOptions must use long option forms (--volume, not -v)",
  ...bothKinds((use, words) =>
    words
      .filter((w) => /^-[A-Za-z]/.test(w))
      .map((w) => {
        const flag = w.slice(0, 2);
        const long = SHORT_FORMS[flag];
        const hint = long === undefined ? "its long form" : long;
        return {
          path: `${use.path}.containerRunOptions`,
          message: `short option "${flag}" in containerRunOptions; Batch only accepts long option forms, use ${hint}`,
        };
      }),
  ),
};

export const containerRunOptionsRm: BatchRule = {
  id: "container-run-options-rm",
  severity: "warning",
  summary: "--rm in containerRunOptions is redundant: Batch removes task containers itself",
  ...bothKinds((use, words) =>
    words.includes("--rm")
      ? [
          {
            path: `${use.path}.containerRunOptions`,
            message: "Batch removes the task container itself; drop --rm from containerRunOptions",
          },
        ]
      : [],
  ),
};

export const containerRunOptionsGpus: BatchRule = {
  id: "container-run-options-gpus",
  severity: "warning",
  summary: "--gpus in containerRunOptions is unneeded: on GPU pools Batch gives containers the GPUs",
  ...bothKinds((use, words) =>
    words.some((w) => w === "--gpus" || w.startsWith("--gpus="))
      ? [
          {
            path: `${use.path}.containerRunOptions`,
            message: "on GPU VM sizes Batch gives task containers access to the GPUs automatically; drop --gpus",
          },
        ]
      : [],
  ),
};

function isRelativePattern(pattern: string): boolean {
  return !pattern.startsWith("/") && !pattern.startsWith("$") && !pattern.startsWith("%") && !/^[A-Za-z]:[\\/]/.test(pattern);
}

/**
 * With `--workdir`, the process runs in that directory, but Batch still collects outputFiles with
 * relative patterns from the task working directory: files written to ./ in the container are missed.
 */
export const workdirRelativeOutput: BatchRule = {
  id: "workdir-relative-output",
  severity: "warning",
  summary: "with --workdir, relative outputFiles patterns resolve against the Batch task directory, not the workdir",
  checkJob: (job) =>
    forEachUse(jobContainerUses(job), (use, words) => {
      if (!words.some((w) => w === "--workdir" || w.startsWith("--workdir="))) return [];
      return (use.outputFiles ?? [])
        .map((file, i) => ({ file, i }))
        .filter(({ file }) => isRelativePattern(file.filePattern))
        .map(({ file, i }) => ({
          path: `${use.path.replace(/\.containerSettings$/, "")}.outputFiles[${i}].filePattern`,
          message: `"${file.filePattern}" is relative to $AZ_BATCH_TASK_WORKING_DIR, but --workdir runs the task elsewhere; write outputs under a mounted path or $AZ_BATCH_TASK_WORKING_DIR and use an absolute pattern`,
        }));
    }),
};
