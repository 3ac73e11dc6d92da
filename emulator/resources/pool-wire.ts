import type { RequestContext } from "../http/context.js";
import { formatDuration, formatTime } from "../http/wire-format.js";
import type { NodeEntity, PoolEntity } from "../store/pool-store.js";
import { isEmptyList, startTaskDefaults, taskSchedulingPolicy, vmConfigurationDefaults, withoutSecrets } from "./service-defaults.js";

/** Nodes counted in currentDedicatedNodes / currentLowPriorityNodes: allocated and not leaving. */
export function currentNodes(pool: PoolEntity, dedicated: boolean): number {
  let count = 0;
  for (const node of pool.nodes.values()) {
    if (node.isDedicated === dedicated && node.state !== "creating" && node.state !== "leavingpool") count += 1;
  }
  return count;
}

/** A pool as the service returns it (CloudPool): service defaults filled in, no secrets, no empty lists. */
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
    // The service answers the size in lower case, as given or not (recorded: "Standard_A1" → "standard_a1").
    vmSize: String(spec.vmSize).toLowerCase(),
    ...pick(spec, ["cloudServiceConfiguration"]),
    ...defined("virtualMachineConfiguration", vmConfigurationDefaults(spec.virtualMachineConfiguration)),
    ...(pool.enableAutoScale ? {} : { resizeTimeout: formatDuration(pool.resizeTimeoutMs) }),
    ...(pool.resizeErrors.length > 0 ? { resizeErrors: pool.resizeErrors } : {}),
    currentDedicatedNodes: currentNodes(pool, true),
    currentLowPriorityNodes: currentNodes(pool, false),
    targetDedicatedNodes: pool.targetDedicatedNodes,
    targetLowPriorityNodes: pool.targetLowPriorityNodes,
    enableAutoScale: pool.enableAutoScale,
    ...autoScaleWire(pool),
    enableInterNodeCommunication: spec.enableInterNodeCommunication === true,
    ...pick(spec, ["networkConfiguration"]),
    ...defined("startTask", startTaskDefaults(spec.startTask)),
    ...pick(spec, ["certificateReferences", "applicationPackageReferences", "applicationLicenses"]),
    taskSlotsPerNode: pool.taskSlotsPerNode,
    taskSchedulingPolicy: taskSchedulingPolicy(spec.taskSchedulingPolicy),
    ...pick(spec, ["userAccounts", "metadata", "mountConfiguration"]),
    // Set only through Resource Manager (emulator/arm/); the 2022-10-01 CloudPool returns it.
    ...pick(spec, ["identity"]),
    targetNodeCommunicationMode: spec.targetNodeCommunicationMode ?? "default",
    currentNodeCommunicationMode: "classic",
  };
  return withoutSecrets(wire);
}

function defined(name: string, value: unknown): Record<string, unknown> {
  return value === undefined ? {} : { [name]: value };
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

/** The named properties that are set; empty lists are left out, as the service leaves them out. */
function pick(source: Record<string, unknown>, names: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of names) if (source[name] !== undefined && !isEmptyList(source[name])) out[name] = source[name];
  return out;
}

/** A compute node as the service returns it (ComputeNode). */
export function nodeToWire(ctx: RequestContext, pool: PoolEntity, node: NodeEntity): Record<string, unknown> {
  const info = node.startTaskInfo;
  const startTask = startTaskDefaults(pool.spec.startTask);
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
    vmSize: String(pool.spec.vmSize).toLowerCase(),
    totalTasksRun: node.totalTasksRun,
    runningTasksCount: node.runningTasksCount,
    runningTaskSlotsCount: node.runningTaskSlotsCount,
    totalTasksSucceeded: node.totalTasksSucceeded,
    ...(node.recentTasks.length === 0 ? {} : { recentTasks: node.recentTasks.map((recent) => recent.describe((path) => ctx.url(path))) }),
    ...(startTask === undefined ? {} : { startTask: withoutSecrets(startTask) }),
    ...(info === undefined
      ? {}
      : {
          startTaskInfo: {
            state: info.state,
            startTime: formatTime(info.startTime),
            ...(info.endTime === undefined ? {} : { endTime: formatTime(info.endTime) }),
            ...(info.exitCode === undefined ? {} : { exitCode: info.exitCode }),
            ...(info.failureInfo === undefined ? {} : { failureInfo: info.failureInfo }),
            retryCount: info.retryCount,
            ...(info.result === undefined ? {} : { result: info.result }),
          },
        }),
    isDedicated: node.isDedicated,
    endpointConfiguration: { inboundEndpoints: [remoteLoginEndpoint(pool, node)] },
    // The node agent reports itself once the VM has booted.
    ...(node.lastBootTime === undefined
      ? {}
      : { nodeAgentInfo: { version: nodeAgentVersion, lastUpdateTime: formatTime(node.lastBootTime) } }),
    virtualMachineInfo: { imageReference: imageReferenceOf(pool) },
  };
}

const nodeAgentVersion = "1.9.27";

/** The NAT rule the service opens for remote login: SSH on Linux, RDP on Windows, a frontend port per node. */
function remoteLoginEndpoint(pool: PoolEntity, node: NodeEntity): Record<string, unknown> {
  const vm = pool.spec.virtualMachineConfiguration as { nodeAgentSKUId?: unknown } | undefined;
  const windows = String(vm?.nodeAgentSKUId ?? "")
    .toLowerCase()
    .includes("windows");
  const [, third = "0", fourth = "0"] = node.ipAddress.split(".").slice(1);
  return {
    name: windows ? "RDPRule.0" : "SSHRule.0",
    protocol: "tcp",
    publicIPAddress: "127.0.0.1",
    publicFQDN: "localhost",
    frontendPort: 50000 + ((Number(third) * 256 + Number(fourth)) % 10000),
    backendPort: windows ? 3389 : 22,
  };
}

/** The pool's image with the version the node really got: "latest" resolves to an exact version. */
function imageReferenceOf(pool: PoolEntity): Record<string, unknown> {
  const config = vmConfigurationDefaults(pool.spec.virtualMachineConfiguration);
  const image = (config?.imageReference ?? {}) as Record<string, unknown>;
  if (image.virtualMachineImageId !== undefined) return image;
  const version = typeof image.version === "string" ? image.version : "latest";
  return { ...image, version, exactVersion: version.toLowerCase() === "latest" ? latestExactVersion : version };
}

/** What "latest" resolves to on every emulated node (marketplace versions look like this). */
const latestExactVersion = "2022.1001.0";
