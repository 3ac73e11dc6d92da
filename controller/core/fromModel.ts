/**
 * Model specs (controller/model) → engine intents in Batch's request vocabulary. Pure.
 * Secret references stay references (`passwordSecretRef`); the runtime resolves them just before a
 * Batch call, so secret values never reach hashes, plans, status or logs.
 */
import type { BatchJobSpec, BatchPoolSpec, Mount } from "../model/index.js";
import { resourceKey } from "./resourceKey.js";
import type { JobIntent, JsonObject, PoolIntent, PoolScale } from "./intent.js";
import { containerSettings, prune, registry, resourceFile, seconds, taskConstraints, taskSetOf } from "./taskBody.js";

export interface ResourceIdentity {
  readonly namespace: string;
  readonly name: string;
  readonly generation: number;
}

const DEFAULT_EVALUATION_INTERVAL_SECONDS = 900;

export function poolIntentFromSpec(id: ResourceIdentity, spec: BatchPoolSpec): PoolIntent {
  return {
    key: resourceKey("BatchPool", id.namespace, id.name),
    ...id,
    immutable: poolImmutable(spec),
    scale: poolScale(spec),
    startTask: poolStartTask(spec),
    metadata: metadataRecord(spec.metadata),
    updateStrategy: spec.updateStrategy?.type ?? "Recreate",
    driftPolicy: spec.driftPolicy ?? "Correct",
    deletionPolicy: spec.deletionPolicy ?? "Delete",
    suspend: spec.suspend ?? false,
    adoptPoolId: spec.adopt?.poolId,
    adoptFromManager: spec.adopt?.fromManager,
  };
}

/** What a pool cannot change in place: a change recreates (or replaces) it. */
function poolImmutable(spec: BatchPoolSpec): PoolIntent["immutable"] {
  return {
    vmSize: spec.vmSize.toLowerCase(),
    virtualMachineConfiguration: prune({
      imageReference: spec.image.marketplace ?? { virtualMachineImageId: spec.image.virtualMachineImageId },
      nodeAgentSKUId: spec.nodeAgentSkuId,
      containerConfiguration: spec.containerConfiguration && {
        type: spec.containerConfiguration.type,
        containerImageNames: spec.containerConfiguration.containerImageNames,
        containerRegistries: spec.containerConfiguration.containerRegistries?.map(registry),
      },
    }),
    taskSlotsPerNode: spec.taskSlotsPerNode ?? 1,
    networkConfiguration: spec.networkConfiguration && { subnetId: spec.networkConfiguration.subnetId },
    ...mountsAndIdentity(spec),
  };
}

function poolStartTask(spec: BatchPoolSpec): PoolIntent["startTask"] {
  return (
    spec.startTask &&
    prune({
      ...spec.startTask,
      resourceFiles: spec.startTask.resourceFiles?.map(resourceFile),
      containerSettings: containerSettings(spec.startTask.containerSettings),
    })
  );
}

/** Manifest metadata (a name/value list) as a record. */
function metadataRecord(metadata: BatchPoolSpec["metadata"] | BatchJobSpec["metadata"]): Record<string, string> {
  return Object.fromEntries((metadata ?? []).map((m) => [m.name, m.value]));
}

/** Mounts and identities in Batch's shapes; the identity sends the pool through Resource Manager. */
function mountsAndIdentity(spec: BatchPoolSpec): { mountConfiguration?: JsonObject[]; identity?: JsonObject } {
  const identities = spec.identity?.userAssignedIdentities.map((i) => ({ resourceId: i.resourceId }));
  return {
    mountConfiguration: spec.mountConfiguration?.map(mount),
    identity: identities === undefined ? undefined : { type: "UserAssigned", userAssignedIdentities: identities },
  };
}

/** A model mount → Batch's MountConfiguration; `…SecretRef`s stay references until the call. */
function mount(m: Mount): JsonObject {
  if (m.azureBlobFileSystem !== undefined) {
    const { identityResourceId, ...rest } = m.azureBlobFileSystem;
    return {
      azureBlobFileSystemConfiguration: prune({
        ...rest,
        identityReference: identityResourceId === undefined ? undefined : { resourceId: identityResourceId },
      }),
    };
  }
  if (m.azureFileShare !== undefined) return { azureFileShareConfiguration: prune({ ...m.azureFileShare }) };
  if (m.nfs !== undefined) return { nfsMountConfiguration: prune({ ...m.nfs }) };
  return { cifsMountConfiguration: prune({ ...m.cifs }) };
}

function poolScale(spec: BatchPoolSpec): PoolScale {
  const auto = spec.scale.autoscale;
  if (auto !== undefined) {
    return {
      mode: "autoscale",
      formula: auto.formula,
      evaluationIntervalSeconds: auto.evaluationIntervalSeconds ?? DEFAULT_EVALUATION_INTERVAL_SECONDS,
    };
  }
  const fixed = spec.scale.fixed;
  return {
    mode: "fixed",
    targetDedicatedNodes: fixed?.targetDedicatedNodes ?? 0,
    targetLowPriorityNodes: fixed?.targetLowPriorityNodes ?? 0,
    resizeTimeoutSeconds: fixed?.resizeTimeoutSeconds,
    nodeDeallocationOption: fixed?.nodeDeallocationOption,
  };
}

export function jobIntentFromSpec(id: ResourceIdentity, spec: BatchJobSpec): JobIntent {
  return {
    key: resourceKey("BatchJob", id.namespace, id.name),
    ...id,
    jobId: jobIdOf(id, spec),
    poolRef: spec.poolRef?.name,
    poolId: spec.poolId,
    priority: spec.priority ?? 0,
    constraints: jobConstraints(spec),
    onAllTasksComplete: spec.onAllTasksComplete,
    onTaskFailure: spec.onTaskFailure,
    jobPreparationTask: jobPreparationTask(spec),
    jobReleaseTask: jobReleaseTask(spec),
    usesTaskDependencies: (spec.tasks ?? []).some((t) => t.dependsOn !== undefined),
    metadata: metadataRecord(spec.metadata),
    tasks: taskSetOf({ taskFactory: spec.taskFactory, tasks: spec.tasks }),
    driftPolicy: spec.driftPolicy ?? "Correct",
    deletionPolicy: spec.deletionPolicy ?? "Delete",
    suspend: spec.suspend ?? false,
    ...adoptFields(spec.adopt),
  };
}

function jobConstraints(spec: BatchJobSpec): JobIntent["constraints"] {
  return (
    spec.constraints &&
    prune({ maxWallClockTime: seconds(spec.constraints.maxWallClockTimeSeconds), maxTaskRetryCount: spec.constraints.maxTaskRetryCount })
  );
}

function jobPreparationTask(spec: BatchJobSpec): JobIntent["jobPreparationTask"] {
  return (
    spec.jobPreparationTask &&
    prune({
      ...spec.jobPreparationTask,
      resourceFiles: spec.jobPreparationTask.resourceFiles?.map(resourceFile),
      containerSettings: containerSettings(spec.jobPreparationTask.containerSettings),
      constraints: taskConstraints(spec.jobPreparationTask.constraints),
    })
  );
}

function jobReleaseTask(spec: BatchJobSpec): JobIntent["jobReleaseTask"] {
  return (
    spec.jobReleaseTask &&
    prune({
      ...spec.jobReleaseTask,
      maxWallClockTimeSeconds: undefined,
      retentionTimeSeconds: undefined,
      maxWallClockTime: seconds(spec.jobReleaseTask.maxWallClockTimeSeconds),
      retentionTime: seconds(spec.jobReleaseTask.retentionTimeSeconds),
      resourceFiles: spec.jobReleaseTask.resourceFiles?.map(resourceFile),
      containerSettings: containerSettings(spec.jobReleaseTask.containerSettings),
    })
  );
}

function jobIdOf(id: ResourceIdentity, spec: BatchJobSpec): string {
  return spec.adopt?.jobId ?? id.name;
}

function adoptFields(adopt: BatchJobSpec["adopt"]): Pick<JobIntent, "adoptFromManager" | "adoptJobId"> {
  return { adoptFromManager: adopt?.fromManager, adoptJobId: adopt?.jobId };
}
