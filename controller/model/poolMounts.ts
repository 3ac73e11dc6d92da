/**
 * BatchPool `spec.identity` (user-assigned managed identities, assignable only through Resource Manager:
 * docs/arm-and-identity.md) and `spec.mountConfiguration` (Batch's declarative file system mounts).
 * Secrets are references only (`…SecretRef`), resolved just before the Batch call.
 */
import { Type, type Static } from "@sinclair/typebox";
import { LONG_STRING_MAX, SHORT_STRING_MAX } from "./constants.js";
import { SecretKeyRefSchema } from "./common.js";
import { Strict } from "./schemaHelpers.js";

/** The ARM id of a user-assigned managed identity. */
export const USER_ASSIGNED_IDENTITY_PATTERN =
  "^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\\.ManagedIdentity/userAssignedIdentities/[^/]+$";

export const PoolIdentitySchema = Strict(
  {
    userAssignedIdentities: Type.Array(
      Strict({ resourceId: Type.String({ pattern: USER_ASSIGNED_IDENTITY_PATTERN, maxLength: LONG_STRING_MAX }) }),
      { minItems: 1, maxItems: 20, description: "identities assigned to every node; registries and mounts name one by identityResourceId" },
    ),
  },
  {
    description:
      "User-assigned managed identities of the pool's nodes. Only Azure Resource Manager can assign them, so such a pool is written through " +
      "Microsoft.Batch/batchAccounts/pools and needs the account's ARM resource id (--arm-resource-id).",
  },
);
export type PoolIdentity = Static<typeof PoolIdentitySchema>;

/** Under AZ_BATCH_NODE_MOUNTS_DIR: relative, no `..` (Batch refuses paths leaving the mounts directory). */
const RelativeMountPath = Type.String({
  minLength: 1,
  maxLength: 1024,
  pattern: "^(?:[^./][^/]*|\\.|\\.[^./][^/]*|\\.\\.[^/]+)(?:/(?:[^./][^/]*|\\.|\\.[^./][^/]*|\\.\\.[^/]+))*/?$",
  description: "where the file system is mounted, relative to AZ_BATCH_NODE_MOUNTS_DIR",
});
const MountOptions = Type.Optional(Type.String({ maxLength: LONG_STRING_MAX, description: "mount options (mount -o); never credentials" }));

const BLOB_CREDENTIAL_RULE = {
  id: "blob-mount-one-credential",
  rule: "has(self.accountKeySecretRef) ? !has(self.sasKeySecretRef) && !has(self.identityResourceId) : has(self.sasKeySecretRef) != has(self.identityResourceId)",
  message: "an azureBlobFileSystem mount uses exactly one of accountKeySecretRef, sasKeySecretRef or identityResourceId",
};

export const AzureBlobFileSystemMountSchema = Strict(
  {
    accountName: Type.String({ minLength: 3, maxLength: 24, pattern: "^[a-z0-9]+$", description: "storage account name" }),
    containerName: Type.String({ minLength: 3, maxLength: 63, pattern: "^[a-z0-9]+(?:-[a-z0-9]+)*$" }),
    relativeMountPath: RelativeMountPath,
    blobfuseOptions: Type.Optional(
      Type.String({ maxLength: LONG_STRING_MAX, description: "blobfuse options, e.g. -o attr_timeout=240; never credentials" }),
    ),
    accountKeySecretRef: Type.Optional(SecretKeyRefSchema),
    sasKeySecretRef: Type.Optional(SecretKeyRefSchema),
    identityResourceId: Type.Optional(
      Type.String({
        pattern: USER_ASSIGNED_IDENTITY_PATTERN,
        maxLength: LONG_STRING_MAX,
        description: "one of spec.identity's, with Storage Blob Data Reader",
      }),
    ),
  },
  { description: "A blob container mounted with blobfuse (Linux nodes).", rules: [BLOB_CREDENTIAL_RULE] },
);

export const AzureFileShareMountSchema = Strict(
  {
    accountName: Type.String({ minLength: 3, maxLength: 24, pattern: "^[a-z0-9]+$" }),
    azureFileUrl: Type.String({
      minLength: 1,
      maxLength: LONG_STRING_MAX,
      pattern: "^https://",
      description: "e.g. https://account.file.core.windows.net/share",
    }),
    relativeMountPath: RelativeMountPath,
    mountOptions: MountOptions,
    accountKeySecretRef: SecretKeyRefSchema,
  },
  { description: "An Azure Files share (SMB), with the storage account key from a secret." },
);

export const NfsMountSchema = Strict(
  {
    source: Type.String({ minLength: 1, maxLength: SHORT_STRING_MAX, description: "e.g. 10.0.0.4:/exports/data" }),
    relativeMountPath: RelativeMountPath,
    mountOptions: MountOptions,
  },
  { description: "An NFS export (Linux nodes)." },
);

export const CifsMountSchema = Strict(
  {
    source: Type.String({ minLength: 1, maxLength: SHORT_STRING_MAX, description: "e.g. //server/share" }),
    relativeMountPath: RelativeMountPath,
    mountOptions: MountOptions,
    username: Type.String({ minLength: 1, maxLength: SHORT_STRING_MAX }),
    passwordSecretRef: SecretKeyRefSchema,
  },
  { description: "A CIFS/SMB share, with the password from a secret." },
);

export const MountSchema = Strict(
  {
    azureBlobFileSystem: Type.Optional(AzureBlobFileSystemMountSchema),
    azureFileShare: Type.Optional(AzureFileShareMountSchema),
    nfs: Type.Optional(NfsMountSchema),
    cifs: Type.Optional(CifsMountSchema),
  },
  {
    description: "One file system mounted on every node before it takes tasks.",
    rules: [
      {
        id: "mount-exactly-one-kind",
        rule: "(has(self.azureBlobFileSystem) ? 1 : 0) + (has(self.azureFileShare) ? 1 : 0) + (has(self.nfs) ? 1 : 0) + (has(self.cifs) ? 1 : 0) == 1",
        message: "a mount sets exactly one of azureBlobFileSystem, azureFileShare, nfs or cifs",
      },
    ],
  },
);
export type Mount = Static<typeof MountSchema>;

export const MountConfigurationSchema = Type.Array(MountSchema, {
  maxItems: 10,
  description: "file systems mounted on every node (Batch mountConfiguration)",
});
