import type { RequestContext } from "../http/context.js";
import { formatDuration, formatTime } from "../http/wire-format.js";
import type { NodeEntity, PoolEntity } from "../store/pool-store.js";

/** Nodes counted in currentDedicatedNodes / currentLowPriorityNodes: allocated and not leaving. */
export function currentNodes(pool: PoolEntity, dedicated: boolean): number {
  let count = 0;
  for (const node of pool.nodes.values()) {
    if (node.isDedicated === dedicated && node.state !== "creating" && node.state !== "leavingpool") count += 1;
  }
  return count;
}

/** A pool as the service returns it (CloudPool). */
export function poolToWire(ctx: RequestContext, pool: PoolEntity): Record<string, unknown> {
  const spec = pool.spec;
  const wire: Record<string, unknown> = {
    id: pool.id,
    ...(spec.displayName === undefined ? {} : { displayName: spec.displayName }),
    url: ctx.url(`/pools/${encodeURIComponent(pool.id)}`),
    eTag: pool.eTag,
    lastModified: formatTime(pool.lastModified),
    creationTime: formatTime(pool.creationTime),
    state: pool.state,
    stateTransitionTime: formatTime(pool.stateTransitionTime),
    allocationState: pool.allocationState,
    allocationStateTransitionTime: formatTime(pool.allocationStateTransitionTime),
    vmSize: spec.vmSize,
    ...pick(spec, ["cloudServiceConfiguration", "virtualMachineConfiguration"]),
    ...(pool.enableAutoScale ? {} : { resizeTimeout: formatDuration(pool.resizeTimeoutMs) }),
    ...(pool.resizeErrors.length > 0 ? { resizeErrors: pool.resizeErrors } : {}),
    currentDedicatedNodes: currentNodes(pool, true),
    currentLowPriorityNodes: currentNodes(pool, false),
    targetDedicatedNodes: pool.targetDedicatedNodes,
    targetLowPriorityNodes: pool.targetLowPriorityNodes,
    enableAutoScale: pool.enableAutoScale,
    ...autoScaleWire(pool),
    enableInterNodeCommunication: spec.enableInterNodeCommunication === true,
    ...pick(spec, ["networkConfiguration", "startTask", "certificateReferences", "applicationPackageReferences", "applicationLicenses"]),
    taskSlotsPerNode: pool.taskSlotsPerNode,
    taskSchedulingPolicy: spec.taskSchedulingPolicy ?? { nodeFillType: "spread" },
    ...pick(spec, ["userAccounts", "metadata", "mountConfiguration"]),
    targetNodeCommunicationMode: spec.targetNodeCommunicationMode ?? "default",
    currentNodeCommunicationMode: "classic",
  };
  return wire;
}

function autoScaleWire(pool: PoolEntity): Record<string, unknown> {
  if (!pool.enableAutoScale) return {};
  const run = pool.autoScaleRun;
  return {
    autoScaleFormula: pool.autoScaleFormula,
    autoScaleEvaluationInterval: formatDuration(pool.autoScaleEvaluationIntervalMs ?? 15 * 60_000),
    ...(run === undefined ? {} : { autoScaleRun: autoScaleRunToWire(run) }),
  };
}

export function autoScaleRunToWire(run: NonNullable<PoolEntity["autoScaleRun"]>): Record<string, unknown> {
  return {
    timestamp: formatTime(run.timestamp),
    ...(run.results === undefined ? {} : { results: run.results }),
    ...(run.error === undefined ? {} : { error: run.error }),
  };
}

function pick(source: Record<string, unknown>, names: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of names) if (source[name] !== undefined) out[name] = source[name];
  return out;
}

/** A compute node as the service returns it (ComputeNode). */
export function nodeToWire(ctx: RequestContext, pool: PoolEntity, node: NodeEntity): Record<string, unknown> {
  const info = node.startTaskInfo;
  return {
    id: node.id,
    url: ctx.url(`/pools/${encodeURIComponent(pool.id)}/nodes/${node.id}`),
    state: node.state,
    schedulingState: node.schedulingState,
    stateTransitionTime: formatTime(node.stateTransitionTime),
    ...(node.lastBootTime === undefined ? {} : { lastBootTime: formatTime(node.lastBootTime) }),
    allocationTime: formatTime(node.allocationTime),
    ipAddress: node.ipAddress,
    affinityId: node.affinityId,
    vmSize: pool.spec.vmSize,
    totalTasksRun: node.totalTasksRun,
    runningTasksCount: node.runningTasksCount,
    runningTaskSlotsCount: node.runningTaskSlotsCount,
    totalTasksSucceeded: node.totalTasksSucceeded,
    ...(pool.spec.startTask === undefined ? {} : { startTask: pool.spec.startTask }),
    ...(info === undefined
      ? {}
      : {
          startTaskInfo: {
            state: info.state,
            startTime: formatTime(info.startTime),
            ...(info.endTime === undefined ? {} : { endTime: formatTime(info.endTime) }),
            ...(info.exitCode === undefined ? {} : { exitCode: info.exitCode }),
            ...(info.result === undefined ? {} : { result: info.result }),
            retryCount: info.retryCount,
          },
        }),
    isDedicated: node.isDedicated,
    endpointConfiguration: { inboundEndpoints: [] },
    nodeAgentInfo: { version: "1.9.27", lastUpdateTime: formatTime(node.allocationTime) },
    virtualMachineInfo: { imageReference: imageReferenceOf(pool) },
  };
}

function imageReferenceOf(pool: PoolEntity): unknown {
  const config = pool.spec.virtualMachineConfiguration as { imageReference?: unknown } | undefined;
  return config?.imageReference ?? {};
}
