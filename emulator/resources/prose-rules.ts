/**
 * Rules the Batch spec states only in its descriptions (no schema keyword carries them), each answered
 * with the 400 the description names. They read a handful of properties: they run for every task of an
 * addtaskcollection.
 */
import { BatchError, errors } from "../http/errors.js";
import type { Body } from "../store/entity.js";

const MAX_DISPLAY_NAME = 1024;

/** "can contain any Unicode characters up to a maximum length of 1024" (pools, jobs, tasks). */
export function checkDisplayName(body: Body): void {
  const name = body.displayName;
  if (typeof name === "string" && name.length > MAX_DISPLAY_NAME) {
    throw errors.invalidProperty("displayName", `${name.slice(0, 40)}...`, `at most ${MAX_DISPLAY_NAME} characters`);
  }
}

/** ResourceFile: "autoStorageContainerName, storageContainerUrl and httpUrl are mutually exclusive and one of them must be specified". */
export function checkResourceFiles(files: unknown, path: string): void {
  if (!Array.isArray(files)) return;
  for (const file of files as (Body | null)[]) {
    if (file === null || typeof file !== "object") continue;
    const sources =
      (file.autoStorageContainerName != null ? 1 : 0) + (file.storageContainerUrl != null ? 1 : 0) + (file.httpUrl != null ? 1 : 0);
    if (sources === 0) throw errors.missingProperty(`${path}.httpUrl`);
    if (sources > 1) {
      throw errors.invalidProperty(path, file, "specify exactly one of autoStorageContainerName, storageContainerUrl and httpUrl");
    }
  }
}

/** UserIdentity: "Specify either the userName or autoUser property, but not both." */
export function checkUserIdentity(identity: unknown, path: string): void {
  if (identity === null || typeof identity !== "object") return;
  const { username, autoUser } = identity as Body;
  if (username != null && autoUser != null) throw errors.invalidProperty(path, identity, "specify either userName or autoUser, not both");
}

/** The task-like parts of a start task, job manager, preparation or release task. */
export function checkTaskLike(task: unknown, path: string): void {
  if (task === null || typeof task !== "object") return;
  checkResourceFiles((task as Body).resourceFiles, `${path}.resourceFiles`);
  checkUserIdentity((task as Body).userIdentity, `${path}.userIdentity`);
}

/**
 * ExitOptions.jobAction: "If the Job's onTaskFailed property is noaction, then specifying this property
 * returns an error and the add Task request fails with an invalid property value error".
 */
export function checkExitJobActions(exitConditions: unknown, onTaskFailure: string): void {
  if (onTaskFailure !== "noaction" || exitConditions === null || typeof exitConditions !== "object") return;
  for (const option of exitOptionsOf(exitConditions as Body)) {
    const jobAction = option !== null && typeof option === "object" ? (option as Body).jobAction : undefined;
    if (jobAction != null) {
      throw errors.invalidProperty(
        "exitConditions.jobAction",
        jobAction,
        "the job's onTaskFailure is noaction: set it to performexitoptionsjobaction",
      );
    }
  }
}

/** Every ExitOptions of an ExitConditions: the three named ones and those of each exit code (range) mapping. */
function exitOptionsOf(conditions: Body): unknown[] {
  const options: unknown[] = [conditions.default, conditions.preProcessingError, conditions.fileUploadError];
  for (const mapping of [conditions.exitCodes, conditions.exitCodeRanges]) {
    if (Array.isArray(mapping)) for (const entry of mapping as (Body | null)[]) options.push(entry?.exitOptions);
  }
  return options;
}

/** MultiInstanceSettings: requiredSlots "For multi-instance Tasks, this must be 1". */
export function checkMultiInstanceSlots(body: Body): void {
  if (body.multiInstanceSettings == null) return;
  checkResourceFiles((body.multiInstanceSettings as Body).commonResourceFiles, "multiInstanceSettings.commonResourceFiles");
  if (body.requiredSlots != null && body.requiredSlots !== 1) {
    throw errors.invalidProperty("requiredSlots", body.requiredSlots, "a multi-instance task takes exactly 1 slot");
  }
}

/** PoolInformation: "either the Pool ID or the auto Pool specification, but not both"; auto pools are not emulated. */
export function checkPoolInformation(poolInfo: Body): void {
  const hasId = poolInfo.poolId != null;
  const hasAuto = poolInfo.autoPoolSpecification != null;
  if (hasId && hasAuto) throw errors.invalidProperty("poolInfo", poolInfo, "specify either poolId or autoPoolSpecification, not both");
  if (hasAuto) {
    throw new BatchError(
      501,
      "NotImplemented",
      "The Azure Batch emulator does not create auto pools (poolInfo.autoPoolSpecification): add a pool and name it in poolInfo.poolId.",
    );
  }
}
