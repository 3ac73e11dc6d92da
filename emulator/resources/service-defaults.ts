import { INFINITE_DURATION } from "./jobs-validation.js";

/**
 * What the service adds to, and takes out of, the properties a client sent when it reads them back:
 * defaults it fills in, secrets it never returns, empty lists it omits and the casing of enum values.
 * Recorded real traffic is the reference (see docs/adr/0020-emulator-local-execution.md).
 */

type Json = Record<string, unknown>;

/** The identity a task runs as when none is given: the pool's shared non-admin auto-user. */
export const DEFAULT_USER_IDENTITY = Object.freeze({ autoUser: Object.freeze({ scope: "pool", elevationLevel: "nonadmin" }) });

const DEFAULT_RETENTION = "P7D";

/**
 * Property names whose values the service never returns: user account, registry and CIFS passwords, SSH
 * keys, the storage account keys and SAS tokens of mount configurations, and VM extensions' protectedSettings
 * (the spec's PoolGet_VirtualMachineConfigurationWithExtensions example returns `settings` only).
 */
const SECRET_KEYS = new Set(["password", "sshprivatekey", "accountkey", "saskey", "protectedsettings"]);

/** A deep copy of `value` without any secret-valued property. */
export function withoutSecrets<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item: unknown) => withoutSecrets(item)) as T;
  if (value === null || typeof value !== "object") return value;
  const out: Json = {};
  for (const [key, item] of Object.entries(value as Json)) {
    if (!SECRET_KEYS.has(key.toLowerCase())) out[key] = withoutSecrets(item);
  }
  return out as T;
}

/** True for a list the service would leave out of its answer (it omits empty collections). */
export function isEmptyList(value: unknown): boolean {
  return Array.isArray(value) && value.length === 0;
}

function asObject(value: unknown): Json | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Json) : undefined;
}

/** A pool's start task as returned: retry count 0, the default identity and waitForSuccess filled in. */
export function startTaskDefaults(startTask: unknown): Json | undefined {
  const task = asObject(startTask);
  if (task === undefined) return undefined;
  return {
    ...task,
    userIdentity: task.userIdentity ?? DEFAULT_USER_IDENTITY,
    maxTaskRetryCount: task.maxTaskRetryCount ?? 0,
    waitForSuccess: task.waitForSuccess ?? true,
  };
}

/** virtualMachineConfiguration with imageReference.version defaulting to "latest". */
export function vmConfigurationDefaults(config: unknown): Json | undefined {
  const vm = asObject(config);
  if (vm === undefined) return undefined;
  const image = asObject(vm.imageReference);
  if (image === undefined || image.virtualMachineImageId !== undefined) return vm;
  return { ...vm, imageReference: { ...image, version: image.version ?? "latest" } };
}

/** nodeFillType in the service's casing (Spread, Pack). */
export function taskSchedulingPolicy(policy: unknown): Json {
  const fill = asObject(policy)?.nodeFillType;
  const text = typeof fill === "string" ? fill.toLowerCase() : "spread";
  return { nodeFillType: text === "pack" ? "Pack" : "Spread" };
}

function taskConstraints(constraints: unknown, maxWallClockTime = INFINITE_DURATION): Json {
  const given = asObject(constraints) ?? {};
  return {
    maxWallClockTime: given.maxWallClockTime ?? maxWallClockTime,
    retentionTime: given.retentionTime ?? DEFAULT_RETENTION,
    maxTaskRetryCount: given.maxTaskRetryCount ?? 0,
  };
}

/**
 * A job manager task as returned, with the service's defaults. Without constraints of its own it takes the
 * job's maxTaskRetryCount, as recorded from the service (azure-cli test_batch_jobs_and_tasks: job 5 → 5).
 */
export function jobManagerDefaults(value: unknown, jobMaxTaskRetryCount?: number): Json | undefined {
  const task = asObject(value);
  if (task === undefined) return undefined;
  const own = asObject(task.constraints);
  const inherited =
    own?.maxTaskRetryCount === undefined && jobMaxTaskRetryCount !== undefined ? { maxTaskRetryCount: jobMaxTaskRetryCount } : {};
  return {
    ...task,
    constraints: taskConstraints({ ...own, ...inherited }),
    requiredSlots: task.requiredSlots ?? 1,
    killJobOnCompletion: task.killJobOnCompletion ?? true,
    userIdentity: task.userIdentity ?? DEFAULT_USER_IDENTITY,
    runExclusive: task.runExclusive ?? true,
    allowLowPriorityNode: task.allowLowPriorityNode ?? true,
  };
}

/** A job preparation task as returned (id "jobpreparation" unless given). */
export function jobPreparationDefaults(value: unknown): Json | undefined {
  const task = asObject(value);
  if (task === undefined) return undefined;
  return {
    id: task.id ?? "jobpreparation",
    ...task,
    constraints: taskConstraints(task.constraints),
    waitForSuccess: task.waitForSuccess ?? true,
    userIdentity: task.userIdentity ?? DEFAULT_USER_IDENTITY,
    rerunOnNodeRebootAfterSuccess: task.rerunOnNodeRebootAfterSuccess ?? true,
  };
}

/** A job release task as returned (id "jobrelease", 15 minutes at most, unless given). */
export function jobReleaseDefaults(value: unknown): Json | undefined {
  const task = asObject(value);
  if (task === undefined) return undefined;
  return {
    id: task.id ?? "jobrelease",
    ...task,
    maxWallClockTime: task.maxWallClockTime ?? "PT15M",
    retentionTime: task.retentionTime ?? DEFAULT_RETENTION,
    userIdentity: task.userIdentity ?? DEFAULT_USER_IDENTITY,
  };
}

const UPLOAD_CONDITIONS: Record<string, string> = {
  tasksuccess: "TaskSuccess",
  taskfailure: "TaskFailure",
  taskcompletion: "TaskCompletion",
};

/** Output files with uploadCondition in the service's casing (TaskSuccess, TaskFailure, TaskCompletion). */
export function outputFilesCasing(value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  return value.map((file: unknown) => {
    const entry = asObject(file);
    const options = asObject(entry?.uploadOptions);
    const condition = options?.uploadCondition;
    if (entry === undefined || options === undefined || typeof condition !== "string") return file;
    return { ...entry, uploadOptions: { ...options, uploadCondition: UPLOAD_CONDITIONS[condition.toLowerCase()] ?? condition } };
  });
}
