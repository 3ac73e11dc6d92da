/** Builders for intents and observations used by the core table tests. */
import type { JobIntent, PoolIntent, TaskIntent } from "../../../controller/core/intent.js";
import type { ObservedJob, ObservedPool } from "../../../controller/core/observed.js";
import { desiredMetadata } from "../../../controller/core/poolPlan.js";
import { jobMetadata } from "../../../controller/core/jobPlan.js";
import { desiredPoolId } from "../../../controller/core/poolIdentity.js";
import { taskIntent } from "../../../controller/core/taskContent.js";

export const ctx = { managerId: "test-manager" };

export function poolIntent(overrides: Partial<PoolIntent> = {}): PoolIntent {
  return {
    key: "BatchPool/default/render",
    namespace: "default",
    name: "render",
    generation: 1,
    immutable: {
      vmSize: "standard_d2s_v3",
      virtualMachineConfiguration: {
        imageReference: { publisher: "microsoft-dsvm", offer: "ubuntu-hpc", sku: "2204", version: "latest" },
        nodeAgentSKUId: "batch.node.ubuntu 22.04",
      },
      taskSlotsPerNode: 1,
    },
    scale: { mode: "fixed", targetDedicatedNodes: 2, targetLowPriorityNodes: 0 },
    metadata: { team: "vfx" },
    updateStrategy: "Recreate",
    driftPolicy: "Correct",
    deletionPolicy: "Delete",
    suspend: false,
    ...overrides,
  };
}

/** The live pool Batch would show after the controller created `intent` and it settled. */
export function livePool(intent: PoolIntent, overrides: Partial<ObservedPool> = {}): ObservedPool {
  const scale = intent.scale;
  const fixed = scale.mode === "fixed" ? scale : { targetDedicatedNodes: 0, targetLowPriorityNodes: 0 };
  return {
    id: desiredPoolId(intent),
    state: "active",
    allocationState: "steady",
    vmSize: intent.immutable.vmSize,
    metadata: desiredMetadata(intent, ctx),
    enableAutoScale: scale.mode === "autoscale",
    autoScaleFormula: scale.mode === "autoscale" ? scale.formula : undefined,
    autoScaleEvaluationIntervalSeconds: scale.mode === "autoscale" ? scale.evaluationIntervalSeconds : undefined,
    targetDedicatedNodes: fixed.targetDedicatedNodes,
    targetLowPriorityNodes: fixed.targetLowPriorityNodes,
    currentDedicatedNodes: fixed.targetDedicatedNodes,
    currentLowPriorityNodes: fixed.targetLowPriorityNodes,
    resizeErrors: [],
    startTask: intent.startTask,
    virtualMachineConfiguration: intent.immutable.virtualMachineConfiguration,
    taskSlotsPerNode: intent.immutable.taskSlotsPerNode,
    ...overrides,
  };
}

export function tasks(count: number): JobIntent["tasks"] {
  return {
    total: count,
    hash: `tasks-${count}`,
    *tasks(): Iterable<TaskIntent> {
      for (let i = 0; i < count; i++) yield taskIntent({ id: `t${i}`, commandLine: `echo ${i}` });
    },
  };
}

export function jobIntent(overrides: Partial<JobIntent> = {}): JobIntent {
  return {
    key: "BatchJob/default/transcode",
    namespace: "default",
    name: "transcode",
    generation: 1,
    jobId: "transcode",
    poolRef: "render",
    priority: 0,
    usesTaskDependencies: false,
    metadata: {},
    tasks: tasks(3),
    driftPolicy: "Correct",
    deletionPolicy: "Delete",
    suspend: false,
    ...overrides,
  };
}

export function liveJob(intent: JobIntent, poolId: string, overrides: Partial<ObservedJob> = {}): ObservedJob {
  return {
    id: intent.jobId,
    state: "active",
    poolId,
    priority: intent.priority,
    metadata: jobMetadata(intent, ctx, intent.tasks.hash),
    onAllTasksComplete: intent.onAllTasksComplete ?? "noaction",
    taskCounts: { active: 0, running: 0, completed: 0, succeeded: 0, failed: 0 },
    ...overrides,
  };
}
