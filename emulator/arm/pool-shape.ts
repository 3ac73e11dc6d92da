/**
 * A pool in Resource Manager's shape (Microsoft.Batch/batchAccounts/pools, api 2022-10-01 and 2023-11-01)
 * and in the data plane's (PoolAddParameter / CloudPool, 2022-10-01.16.0). The emulator keeps one store in
 * the data plane's shape; these functions translate at the ARM door. The two APIs name the same things
 * differently: a `properties` envelope, `deploymentConfiguration`, `scaleSettings`, `nodeAgentSkuId`,
 * `imageReference.id`, `cifsMountConfiguration.userName`, PascalCase enum values, and an `identity`
 * that is a map keyed by resource id on ARM and a list on the data plane.
 */
import { createHash } from "node:crypto";
import { BatchError } from "../http/errors.js";
import { formatDuration, formatTime } from "../http/wire-format.js";
import type { PoolEntity } from "../store/pool-store.js";
import { currentNodes } from "../resources/pool-wire.js";
import { startTaskDefaults, vmConfigurationDefaults, withoutSecrets } from "../resources/service-defaults.js";

type Json = Record<string, unknown>;

const userAssignedIdentityId =
  /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.ManagedIdentity\/userAssignedIdentities\/[^/]+$/i;

function obj(value: unknown): Json | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Json) : undefined;
}

function defined(entries: Record<string, unknown>): Json {
  return Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined));
}

function badRequest(code: string, message: string): BatchError {
  return new BatchError(400, code, message);
}

/** ARM enum values are PascalCase, the data plane's camelCase or lowercase. */
const lower = (v: unknown): unknown => (typeof v === "string" ? v.toLowerCase() : v);
const camel = (v: unknown): unknown => (typeof v === "string" && v.length > 0 ? v[0]?.toLowerCase() + v.slice(1) : v);
const pascal = (v: unknown): unknown => (typeof v === "string" && v.length > 0 ? v[0]?.toUpperCase() + v.slice(1) : v);
const ELEVATION: Record<string, string> = { nonadmin: "NonAdmin", admin: "Admin" };

function userIdentityToData(identity: unknown): unknown {
  const auto = obj(obj(identity)?.autoUser);
  if (auto === undefined) return identity;
  return { ...obj(identity), autoUser: defined({ ...auto, scope: lower(auto.scope), elevationLevel: lower(auto.elevationLevel) }) };
}

function userIdentityToArm(identity: unknown): unknown {
  const auto = obj(obj(identity)?.autoUser);
  if (auto === undefined) return identity;
  const elevation = typeof auto.elevationLevel === "string" ? ELEVATION[auto.elevationLevel.toLowerCase()] : undefined;
  return { ...obj(identity), autoUser: defined({ ...auto, scope: pascal(auto.scope), elevationLevel: elevation }) };
}

function startTaskToData(task: unknown): unknown {
  const t = obj(task);
  if (t === undefined) return undefined;
  const settings = obj(t.containerSettings);
  return defined({
    ...t,
    userIdentity: t.userIdentity === undefined ? undefined : userIdentityToData(t.userIdentity),
    containerSettings: settings === undefined ? undefined : defined({ ...settings, workingDirectory: camel(settings.workingDirectory) }),
  });
}

function startTaskToArm(task: unknown): unknown {
  const t = obj(task);
  if (t === undefined) return undefined;
  const settings = obj(t.containerSettings);
  return defined({
    ...t,
    userIdentity: userIdentityToArm(t.userIdentity),
    containerSettings: settings === undefined ? undefined : defined({ ...settings, workingDirectory: pascal(settings.workingDirectory) }),
  });
}

function vmToData(vm: Json): Json {
  const image = obj(vm.imageReference) ?? {};
  const { id: imageId, ...marketplace } = image;
  const container = obj(vm.containerConfiguration);
  const { nodeAgentSkuId, ...rest } = vm;
  return defined({
    ...rest,
    imageReference: imageId === undefined ? marketplace : { virtualMachineImageId: imageId },
    nodeAgentSKUId: nodeAgentSkuId,
    containerConfiguration: container === undefined ? undefined : { ...container, type: camel(container.type) },
  });
}

function vmToArm(vm: Json | undefined): Json | undefined {
  if (vm === undefined) return undefined;
  const image = obj(vm.imageReference) ?? {};
  const { virtualMachineImageId, ...marketplace } = image;
  const container = obj(vm.containerConfiguration);
  const { nodeAgentSKUId, ...rest } = vm;
  return defined({
    ...rest,
    imageReference: virtualMachineImageId === undefined ? marketplace : { id: virtualMachineImageId },
    nodeAgentSkuId: nodeAgentSKUId,
    containerConfiguration: container === undefined ? undefined : { ...container, type: pascal(container.type) },
  });
}

function mountsToData(mounts: unknown): unknown {
  if (!Array.isArray(mounts)) return mounts;
  return mounts.map((m: unknown) => {
    const cifs = obj(obj(m)?.cifsMountConfiguration);
    if (cifs === undefined) return m;
    const { userName, ...rest } = cifs;
    return { ...obj(m), cifsMountConfiguration: defined({ ...rest, username: userName }) };
  });
}

function mountsToArm(mounts: unknown): unknown {
  if (!Array.isArray(mounts)) return mounts;
  return mounts.map((m: unknown) => {
    const cifs = obj(obj(m)?.cifsMountConfiguration);
    if (cifs === undefined) return m;
    const { username, ...rest } = cifs;
    return { ...obj(m), cifsMountConfiguration: defined({ ...rest, userName: username }) };
  });
}

function scaleToData(scale: Json | undefined): Json {
  const fixed = obj(scale?.fixedScale);
  const auto = obj(scale?.autoScale);
  if (auto !== undefined) {
    return defined({ enableAutoScale: true, autoScaleFormula: auto.formula, autoScaleEvaluationInterval: auto.evaluationInterval });
  }
  return defined({
    targetDedicatedNodes: fixed?.targetDedicatedNodes ?? 0,
    targetLowPriorityNodes: fixed?.targetLowPriorityNodes,
    resizeTimeout: fixed?.resizeTimeout,
  });
}

/** The `identity` of an ARM pool as the data plane stores it (a list), or undefined for none. */
export function identityToData(identity: unknown): Json | undefined {
  const given = obj(identity);
  if (given === undefined || given.type === "None") return undefined;
  if (given.type !== "UserAssigned")
    throw badRequest("InvalidIdentityType", `Pool identity type '${String(given.type)}' is not supported; use UserAssigned or None.`);
  const ids = Object.keys(obj(given.userAssignedIdentities) ?? {});
  if (ids.length === 0)
    throw badRequest("InvalidIdentity", "A UserAssigned pool identity needs at least one entry in userAssignedIdentities.");
  const bad = ids.find((id) => !userAssignedIdentityId.test(id));
  if (bad !== undefined) throw badRequest("InvalidIdentity", `'${bad}' is not the resource id of a user-assigned managed identity.`);
  return {
    type: "UserAssigned",
    userAssignedIdentities: ids.map((resourceId) => ({
      resourceId,
      clientId: guidOf("client", resourceId),
      principalId: guidOf("principal", resourceId),
    })),
  };
}

/** Stable ids for an identity, as Entra would report them (the emulator has no directory). */
function guidOf(kind: string, resourceId: string): string {
  const h = createHash("sha256").update(`${kind}:${resourceId.toLowerCase()}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** ARM's `identityReference.resourceId`s in a pool body (registries, mounts): each must be a pool identity. */
function checkIdentityReferences(body: Json, identity: Json | undefined): void {
  const known = new Set(((identity?.userAssignedIdentities as Json[] | undefined) ?? []).map((i) => String(i.resourceId).toLowerCase()));
  const vm = obj(body.virtualMachineConfiguration);
  const registries = (obj(vm?.containerConfiguration)?.containerRegistries as unknown[] | undefined) ?? [];
  const mounts = (body.mountConfiguration as unknown[] | undefined) ?? [];
  const refs = [...registries, ...mounts.map((m) => obj(obj(m)?.azureBlobFileSystemConfiguration))].map(
    (r) => obj(obj(r)?.identityReference)?.resourceId,
  );
  for (const ref of refs) {
    if (ref !== undefined && !known.has(String(ref).toLowerCase())) {
      throw badRequest("InvalidPropertyValue", `identityReference '${String(ref)}' is not one of the pool's user-assigned identities.`);
    }
  }
}

/** ARM's application package references (resource ids) → the data plane's (application id = the id's last segment). */
function packagesToData(packages: unknown): Json[] | undefined {
  if (!Array.isArray(packages)) return undefined;
  return packages.map((a: unknown) =>
    defined({
      applicationId: String(obj(a)?.id ?? "")
        .split("/")
        .at(-1),
      version: obj(a)?.version,
    }),
  );
}

/** An ARM pool PUT body → the data plane's Pool_Add body (with `identity` in its stored list form). */
export function armPoolToData(poolName: string, armBody: Json): Json {
  const p = obj(armBody.properties);
  if (p === undefined) throw badRequest("InvalidRequestContent", "The request content has no 'properties'.");
  const vm = obj(obj(p.deploymentConfiguration)?.virtualMachineConfiguration);
  if (vm === undefined)
    throw badRequest("InvalidRequestContent", "properties.deploymentConfiguration.virtualMachineConfiguration is required.");
  const identity = identityToData(armBody.identity);
  const packages = packagesToData(p.applicationPackages);
  const body = defined({
    id: poolName,
    displayName: p.displayName,
    vmSize: p.vmSize,
    virtualMachineConfiguration: vmToData(vm),
    ...scaleToData(obj(p.scaleSettings)),
    enableInterNodeCommunication: p.interNodeCommunication === undefined ? undefined : p.interNodeCommunication === "Enabled",
    networkConfiguration: p.networkConfiguration,
    taskSlotsPerNode: p.taskSlotsPerNode,
    taskSchedulingPolicy:
      obj(p.taskSchedulingPolicy) === undefined ? undefined : { nodeFillType: lower(obj(p.taskSchedulingPolicy)?.nodeFillType) },
    userAccounts: p.userAccounts,
    metadata: p.metadata,
    startTask: startTaskToData(p.startTask),
    applicationPackageReferences: packages,
    applicationLicenses: p.applicationLicenses,
    mountConfiguration: mountsToData(p.mountConfiguration),
    targetNodeCommunicationMode: lower(p.targetNodeCommunicationMode),
    identity,
  });
  checkIdentityReferences(body, identity);
  return body;
}

/** An ARM PATCH body's properties → the data plane's mutable properties (start task {} removes it). */
export function armPatchToData(properties: Json): { mutable: Json; removeStartTask: boolean } {
  const startTask = obj(properties.startTask);
  const removeStartTask = startTask !== undefined && Object.keys(startTask).length === 0;
  const packages = packagesToData(properties.applicationPackages);
  return {
    removeStartTask,
    mutable: defined({
      metadata: properties.metadata,
      startTask: removeStartTask ? undefined : startTaskToData(properties.startTask),
      applicationPackageReferences: packages,
      targetNodeCommunicationMode: lower(properties.targetNodeCommunicationMode),
    }),
  };
}

export interface ArmAddress {
  readonly subscription: string;
  readonly resourceGroup: string;
  readonly account: string;
}

export function poolResourceId(address: ArmAddress, poolId: string): string {
  return `/subscriptions/${address.subscription}/resourceGroups/${address.resourceGroup}/providers/Microsoft.Batch/batchAccounts/${address.account}/pools/${poolId}`;
}

/** ARM's weak entity tag for a pool. */
export function armETag(pool: PoolEntity): string {
  return `W/"${pool.eTag}"`;
}

function identityToArm(identity: unknown): Json | undefined {
  const list = obj(identity)?.userAssignedIdentities;
  if (!Array.isArray(list)) return undefined;
  const entries = list.map((i: unknown) => {
    const item = obj(i) ?? {};
    return [String(item.resourceId), { principalId: item.principalId, clientId: item.clientId }] as const;
  });
  return { type: "UserAssigned", userAssignedIdentities: Object.fromEntries(entries) };
}

const ALLOCATION: Record<string, string> = { steady: "Steady", resizing: "Resizing", stopping: "Stopping" };

function scaleToArm(pool: PoolEntity): Json {
  if (pool.enableAutoScale) {
    return {
      autoScale: { formula: pool.autoScaleFormula, evaluationInterval: formatDuration(pool.autoScaleEvaluationIntervalMs ?? 15 * 60_000) },
    };
  }
  return {
    fixedScale: {
      targetDedicatedNodes: pool.targetDedicatedNodes,
      targetLowPriorityNodes: pool.targetLowPriorityNodes,
      resizeTimeout: formatDuration(pool.resizeTimeoutMs),
    },
  };
}

function listOrUndefined(value: unknown): unknown {
  return Array.isArray(value) && value.length > 0 ? value : undefined;
}

/** A stored pool as Resource Manager returns it: the envelope, read-only state, no secrets. */
export function poolToArm(address: ArmAddress, pool: PoolEntity): Json {
  const spec = pool.spec;
  const packages = listOrUndefined(spec.applicationPackageReferences) as Json[] | undefined;
  const properties = defined({
    displayName: spec.displayName,
    lastModified: formatTime(pool.lastModified),
    creationTime: formatTime(pool.creationTime),
    provisioningState: pool.state === "deleting" ? "Deleting" : "Succeeded",
    provisioningStateTransitionTime: formatTime(pool.stateTransitionTime),
    allocationState: ALLOCATION[pool.allocationState],
    allocationStateTransitionTime: formatTime(pool.allocationStateTransitionTime),
    vmSize: spec.vmSize,
    deploymentConfiguration: { virtualMachineConfiguration: vmToArm(vmConfigurationDefaults(spec.virtualMachineConfiguration)) },
    currentDedicatedNodes: currentNodes(pool, true),
    currentLowPriorityNodes: currentNodes(pool, false),
    scaleSettings: scaleToArm(pool),
    resizeOperationStatus: pool.resizeErrors.length > 0 ? { errors: pool.resizeErrors } : undefined,
    interNodeCommunication: spec.enableInterNodeCommunication === true ? "Enabled" : "Disabled",
    networkConfiguration: spec.networkConfiguration,
    taskSlotsPerNode: pool.taskSlotsPerNode,
    taskSchedulingPolicy: { nodeFillType: pascal(obj(spec.taskSchedulingPolicy)?.nodeFillType ?? "spread") },
    userAccounts: listOrUndefined(spec.userAccounts),
    metadata: listOrUndefined(spec.metadata),
    startTask: startTaskToArm(startTaskDefaults(spec.startTask)),
    applicationPackages: packages?.map((a) => defined({ id: `applications/${String(a.applicationId)}`, version: a.version })),
    applicationLicenses: listOrUndefined(spec.applicationLicenses),
    mountConfiguration: mountsToArm(listOrUndefined(spec.mountConfiguration)),
    targetNodeCommunicationMode: pascal(spec.targetNodeCommunicationMode ?? "default"),
    currentNodeCommunicationMode: "Classic",
  });
  return withoutSecrets(
    defined({
      id: poolResourceId(address, pool.id),
      name: pool.id,
      type: "Microsoft.Batch/batchAccounts/pools",
      etag: armETag(pool),
      identity: identityToArm(spec.identity) ?? { type: "None" },
      properties,
    }),
  );
}
