/**
 * Rules on pool identities and mounts (docs/arm-and-identity.md): an identity needs Resource Manager;
 * registries and mounts may only name the pool's own identities; blobfuse and NFS mounts need Linux
 * nodes; mount options never carry credentials (those are secret references).
 */
import type { BatchPool } from "../model/index.js";
import type { BatchRule, Finding } from "./rule.js";

export const identityNeedsArm: BatchRule = {
  id: "identity-needs-arm",
  severity: "error",
  summary: "a pool with spec.identity is written through Azure Resource Manager, which needs the account's ARM resource id",
  checkPool: (pool, context) =>
    pool.spec.identity !== undefined && context.arm === false
      ? [
          {
            path: "spec.identity",
            message:
              "only Azure Resource Manager can assign a pool managed identities: give the Batch account's ARM resource id " +
              "(--arm-resource-id /subscriptions/{id}/resourceGroups/{group}/providers/Microsoft.Batch/batchAccounts/{account}, or BATCH_ARM_RESOURCE_ID)",
          },
        ]
      : [],
};

/** Every `identityResourceId` of a pool's registries (pool, start task) and blob mounts, with its path. */
function identityReferences(pool: BatchPool): { path: string; id: string }[] {
  const spec = pool.spec;
  const refs: { path: string; id: string }[] = [];
  (spec.containerConfiguration?.containerRegistries ?? []).forEach((r, i) => {
    if (r.identityResourceId !== undefined)
      refs.push({ path: `spec.containerConfiguration.containerRegistries[${i}].identityResourceId`, id: r.identityResourceId });
  });
  const startRegistry = spec.startTask?.containerSettings?.registry?.identityResourceId;
  if (startRegistry !== undefined) refs.push({ path: "spec.startTask.containerSettings.registry.identityResourceId", id: startRegistry });
  (spec.mountConfiguration ?? []).forEach((m, i) => {
    const id = m.azureBlobFileSystem?.identityResourceId;
    if (id !== undefined) refs.push({ path: `spec.mountConfiguration[${i}].azureBlobFileSystem.identityResourceId`, id });
  });
  return refs;
}

export const identityNotAssigned: BatchRule = {
  id: "identity-not-assigned",
  severity: "error",
  summary: "identityResourceId on a registry or mount must be one of the pool's spec.identity identities (Batch refuses others)",
  checkPool: (pool) => {
    const assigned = new Set((pool.spec.identity?.userAssignedIdentities ?? []).map((i) => i.resourceId.toLowerCase()));
    return identityReferences(pool)
      .filter((ref) => !assigned.has(ref.id.toLowerCase()))
      .map((ref): Finding => ({
        path: ref.path,
        message: `"${ref.id}" is not assigned to the pool: add it to spec.identity.userAssignedIdentities`,
      }));
  },
};

export const mountNeedsLinux: BatchRule = {
  id: "mount-needs-linux",
  severity: "error",
  summary: "blobfuse (azureBlobFileSystem) and NFS mounts work on Linux nodes only; Windows nodes mount Azure Files and CIFS",
  checkPool: (pool) => {
    if (!pool.spec.nodeAgentSkuId.toLowerCase().startsWith("batch.node.windows")) return [];
    return (pool.spec.mountConfiguration ?? []).flatMap((m, i): Finding[] =>
      m.azureBlobFileSystem !== undefined || m.nfs !== undefined
        ? [
            {
              path: `spec.mountConfiguration[${i}]`,
              message: `${m.nfs === undefined ? "azureBlobFileSystem" : "nfs"} mounts need a Linux node agent, not "${pool.spec.nodeAgentSkuId}"`,
            },
          ]
        : [],
    );
  },
};

export const mountOnCustomImage: BatchRule = {
  id: "mount-on-custom-image",
  severity: "warning",
  summary:
    "mounts are supported on the Batch supported marketplace images; a gallery image must bring blobfuse / nfs-utils / cifs-utils itself",
  checkPool: (pool) =>
    (pool.spec.mountConfiguration?.length ?? 0) > 0 && pool.spec.image.virtualMachineImageId !== undefined
      ? [
          {
            path: "spec.mountConfiguration",
            message: "Batch installs mount drivers only on its supported marketplace images; make sure this gallery image has them",
          },
        ]
      : [],
};

/** Credentials in options would end up in the spec (Git), the status and Batch's pool description. */
const CREDENTIAL_OPTION = /(account[-_]?key|sas[-_]?token|password|passwd|AZURE_STORAGE_ACCESS_KEY|credentials=)/i;

export const mountOptionsWithoutCredentials: BatchRule = {
  id: "mount-options-no-credentials",
  severity: "error",
  summary: "blobfuseOptions and mountOptions never carry credentials: use accountKeySecretRef, sasKeySecretRef or passwordSecretRef",
  checkPool: (pool) =>
    (pool.spec.mountConfiguration ?? []).flatMap((m, i): Finding[] => {
      const options: [string, string | undefined][] = [
        ["azureBlobFileSystem.blobfuseOptions", m.azureBlobFileSystem?.blobfuseOptions],
        ["azureFileShare.mountOptions", m.azureFileShare?.mountOptions],
        ["nfs.mountOptions", m.nfs?.mountOptions],
        ["cifs.mountOptions", m.cifs?.mountOptions],
      ];
      return options
        .filter(([, value]) => value !== undefined && CREDENTIAL_OPTION.test(value))
        .map(([field]) => ({
          path: `spec.mountConfiguration[${i}].${field}`,
          message: "mount options must not carry credentials (they would be stored in Git and in Batch); use a secret reference",
        }));
    }),
};
