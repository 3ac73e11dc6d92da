/**
 * The planner's pool bodies (the data plane's PoolAddParameter shape, plus `identity`) in Resource
 * Manager's shape: a `properties` envelope, deploymentConfiguration, scaleSettings, nodeAgentSkuId,
 * imageReference.id, cifs userName, PascalCase enums and an identity map keyed by resource id. Pure.
 */
import type { Pool, ScaleSettings, StartTask } from "@azure/arm-batch";
import type { JsonObject } from "../core/intent.js";

type Json = Record<string, unknown>;

function obj(value: unknown): Json | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Json) : undefined;
}

function defined<T extends Json>(entries: T): T {
  return Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined)) as T;
}

const pascal = (v: unknown): string | undefined =>
  typeof v === "string" && v.length > 0 ? `${v[0]?.toUpperCase() ?? ""}${v.slice(1)}` : undefined;
const ELEVATION: Record<string, string> = { nonadmin: "NonAdmin", admin: "Admin" };

function userIdentityToArm(identity: unknown): unknown {
  const auto = obj(obj(identity)?.autoUser);
  if (auto === undefined) return identity;
  const elevation = typeof auto.elevationLevel === "string" ? ELEVATION[auto.elevationLevel.toLowerCase()] : undefined;
  return { ...obj(identity), autoUser: defined({ ...auto, scope: pascal(auto.scope), elevationLevel: elevation }) };
}

export function startTaskToArm(task: JsonObject): StartTask {
  const settings = obj(task.containerSettings);
  return defined({
    ...task,
    userIdentity: task.userIdentity === undefined ? undefined : userIdentityToArm(task.userIdentity),
    containerSettings: settings === undefined ? undefined : defined({ ...settings, workingDirectory: pascal(settings.workingDirectory) }),
  }) as StartTask;
}

function vmToArm(vm: Json): Json {
  const { virtualMachineImageId, ...marketplace } = obj(vm.imageReference) ?? {};
  const container = obj(vm.containerConfiguration);
  const { nodeAgentSKUId, ...rest } = vm;
  return defined({
    ...rest,
    imageReference: virtualMachineImageId === undefined ? marketplace : { id: virtualMachineImageId },
    nodeAgentSkuId: nodeAgentSKUId,
    containerConfiguration: container === undefined ? undefined : { ...container, type: pascal(container.type) },
  });
}

function mountsToArm(mounts: unknown): unknown {
  if (!Array.isArray(mounts)) return undefined;
  return mounts.map((m: unknown) => {
    const cifs = obj(obj(m)?.cifsMountConfiguration);
    if (cifs === undefined) return m;
    const { username, ...rest } = cifs;
    return { cifsMountConfiguration: defined({ ...rest, userName: username }) };
  });
}

/** A resize body (targetDedicatedNodes, targetLowPriorityNodes, resizeTimeout, nodeDeallocationOption) as ARM's fixedScale. */
export function fixedScaleToArm(body: JsonObject): NonNullable<ScaleSettings["fixedScale"]> {
  return defined({
    targetDedicatedNodes: body.targetDedicatedNodes as number | undefined,
    targetLowPriorityNodes: body.targetLowPriorityNodes as number | undefined,
    resizeTimeout: body.resizeTimeout as string | undefined,
    nodeDeallocationOption: pascal(body.nodeDeallocationOption) as NonNullable<ScaleSettings["fixedScale"]>["nodeDeallocationOption"],
  });
}

function scaleToArm(body: JsonObject): ScaleSettings {
  if (body.enableAutoScale === true) {
    return {
      autoScale: defined({
        formula: String(body.autoScaleFormula),
        evaluationInterval: body.autoScaleEvaluationInterval as string | undefined,
      }),
    };
  }
  return { fixedScale: fixedScaleToArm(body) };
}

function identityToArm(identity: unknown): Pool["identity"] {
  const list = obj(identity)?.userAssignedIdentities;
  if (!Array.isArray(list) || list.length === 0) return undefined;
  return { type: "UserAssigned", userAssignedIdentities: Object.fromEntries(list.map((i: unknown) => [String(obj(i)?.resourceId), {}])) };
}

/** A PoolAddParameter-shaped body (+ `identity`) as an ARM Pool resource. */
export function dataPoolToArm(body: JsonObject): Pool {
  const vm = obj(body.virtualMachineConfiguration) ?? {};
  return defined({
    identity: identityToArm(body.identity),
    displayName: body.displayName as string | undefined,
    vmSize: body.vmSize as string,
    deploymentConfiguration: { virtualMachineConfiguration: vmToArm(vm) },
    scaleSettings: scaleToArm(body),
    interNodeCommunication: body.enableInterNodeCommunication === true ? "Enabled" : undefined,
    networkConfiguration: body.networkConfiguration,
    taskSlotsPerNode: body.taskSlotsPerNode as number | undefined,
    userAccounts: body.userAccounts,
    metadata: body.metadata,
    startTask: obj(body.startTask) === undefined ? undefined : startTaskToArm(body.startTask as JsonObject),
    mountConfiguration: mountsToArm(body.mountConfiguration),
  }) as unknown as Pool;
}
