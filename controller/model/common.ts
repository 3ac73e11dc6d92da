/** Schemas shared by BatchPool and BatchJob: metadata, conditions, files, containers, identities. */
import { Type, type Static } from "@sinclair/typebox";
import {
  BATCH_ID_MAX_LENGTH,
  BATCH_ID_PATTERN,
  LONG_STRING_MAX,
  NAME_MAX_LENGTH,
  NAME_PATTERN,
  SHORT_STRING_MAX,
  VALUE_MAX,
} from "./constants.js";
import { Int, StringEnum, StringMap, Strict, type CelRule } from "./schemaHelpers.js";

/**
 * The parts of Kubernetes ObjectMeta the controller reads. Open (other server-set fields pass),
 * because objects read from a cluster carry uid, managedFields and so on.
 */
export const ObjectMetaSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: NAME_MAX_LENGTH, pattern: NAME_PATTERN }),
    namespace: Type.Optional(Type.String({ minLength: 1, maxLength: 63, pattern: NAME_PATTERN })),
    labels: Type.Optional(StringMap()),
    annotations: Type.Optional(StringMap()),
    generation: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
    uid: Type.Optional(Type.String()),
    resourceVersion: Type.Optional(Type.String()),
    finalizers: Type.Optional(Type.Array(Type.String({ maxLength: SHORT_STRING_MAX }), { maxItems: 64 })),
  },
  { additionalProperties: true },
);
export type ObjectMeta = Static<typeof ObjectMetaSchema>;

/** Root-level CEL rule on the name: CRD schemas may not constrain metadata directly. */
export const NAME_RULE: CelRule = {
  id: "name-format",
  rule: `self.metadata.name.size() <= ${NAME_MAX_LENGTH} && self.metadata.name.matches('${NAME_PATTERN}')`,
  message: `metadata.name must be a DNS label of at most ${NAME_MAX_LENGTH} characters (it becomes part of the Batch id)`,
};

export const BatchIdSchema = Type.String({ minLength: 1, maxLength: BATCH_ID_MAX_LENGTH, pattern: BATCH_ID_PATTERN });

/** The `--manager-id` of the controller an object is taken over from (`adopt.fromManager`). */
export const ManagerIdSchema = Type.String({
  minLength: 1,
  maxLength: 100,
  pattern: "^[A-Za-z0-9._/@-]+$",
  description:
    "the --manager-id of the controller to take the Batch object over from (its batch-gitops/manager metadata); without it, an object another manager stamped is left alone (OwnedByAnotherManager)",
});

/** A key of a Kubernetes Secret (cluster mode) or of the directory-mode secret store. */
export const SecretKeyRefSchema = Strict(
  { name: Type.String({ minLength: 1, maxLength: 253 }), key: Type.String({ minLength: 1, maxLength: 253 }) },
  { description: "A key in a Secret in the resource's namespace." },
);
export type SecretKeyRef = Static<typeof SecretKeyRefSchema>;

const REGISTRY_CREDENTIALS_RULE: CelRule = {
  id: "registry-credentials-exactly-one",
  rule: "has(self.identityResourceId) ? !has(self.username) && !has(self.passwordSecretRef) : has(self.username) == has(self.passwordSecretRef)",
  message: "a registry uses either username with passwordSecretRef, or identityResourceId, not both",
};

/** A private container registry: a username with a password from a secret, or a managed identity. */
export const ContainerRegistrySchema = Strict(
  {
    registryServer: Type.String({
      minLength: 1,
      maxLength: SHORT_STRING_MAX,
      description: "e.g. myregistry.azurecr.io; Docker Hub when omitted",
    }),
    username: Type.Optional(Type.String({ minLength: 1, maxLength: SHORT_STRING_MAX })),
    passwordSecretRef: Type.Optional(SecretKeyRefSchema),
    identityResourceId: Type.Optional(
      Type.String({ minLength: 1, maxLength: LONG_STRING_MAX, description: "ARM id of a user-assigned managed identity with AcrPull" }),
    ),
  },
  { rules: [REGISTRY_CREDENTIALS_RULE] },
);
export type ContainerRegistry = Static<typeof ContainerRegistrySchema>;

export const NameValueSchema = Strict({
  name: Type.String({ minLength: 1, maxLength: 1024 }),
  value: Type.String({ maxLength: VALUE_MAX }),
});
export type NameValue = Static<typeof NameValueSchema>;

// Written with has() and ternaries, not `[...].filter(x, x).size() == 1`: the API server multiplies a
// rule's estimated cost by how many times it can run (10,000 tasks x 100 files here), and the list
// macro's cost made kube-apiserver refuse the BatchJob CRD (budget exceeded 6.8x).
const RESOURCE_FILE_SOURCE_RULE: CelRule = {
  id: "resource-file-exactly-one-source",
  rule: "has(self.httpUrl) ? !has(self.storageContainerUrl) && !has(self.autoStorageContainerName) : has(self.storageContainerUrl) != has(self.autoStorageContainerName)",
  message: "a resource file names exactly one of httpUrl, storageContainerUrl or autoStorageContainerName",
};

/** A file Batch downloads to the node before the task runs. */
export const ResourceFileSchema = Strict(
  {
    httpUrl: Type.Optional(Type.String({ minLength: 1, maxLength: LONG_STRING_MAX })),
    storageContainerUrl: Type.Optional(Type.String({ minLength: 1, maxLength: LONG_STRING_MAX })),
    autoStorageContainerName: Type.Optional(Type.String({ minLength: 1, maxLength: 63 })),
    blobPrefix: Type.Optional(Type.String({ maxLength: 1024 })),
    filePath: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: "relative to the task working directory" })),
    fileMode: Type.Optional(Type.String({ pattern: "^[0-7]{3,4}$", maxLength: 4 })),
    identityResourceId: Type.Optional(Type.String({ minLength: 1, maxLength: LONG_STRING_MAX })),
  },
  { rules: [RESOURCE_FILE_SOURCE_RULE] },
);
export type ResourceFile = Static<typeof ResourceFileSchema>;

/** A file Batch uploads to a blob container after the task. */
export const OutputFileSchema = Strict({
  filePattern: Type.String({ minLength: 1, maxLength: 1024, description: "relative paths are relative to the task working directory" }),
  destination: Strict({
    container: Strict({
      containerUrl: Type.String({
        minLength: 1,
        maxLength: LONG_STRING_MAX,
        description: "a container SAS URL or plain URL with identityResourceId",
      }),
      path: Type.Optional(Type.String({ maxLength: 1024 })),
      identityResourceId: Type.Optional(Type.String({ minLength: 1, maxLength: LONG_STRING_MAX })),
    }),
  }),
  uploadOptions: Strict({ uploadCondition: StringEnum(["tasksuccess", "taskfailure", "taskcompletion"]) }),
});
export type OutputFile = Static<typeof OutputFileSchema>;

/** The identity a task runs as: an auto-user with a scope and elevation level. */
export const UserIdentitySchema = Strict({
  autoUser: Strict({
    scope: Type.Optional(StringEnum(["task", "pool"])),
    elevationLevel: Type.Optional(StringEnum(["nonadmin", "admin"])),
  }),
});
export type UserIdentity = Static<typeof UserIdentitySchema>;

/** How a task runs inside a container (Batch TaskContainerSettings). */
export const ContainerSettingsSchema = Strict({
  imageName: Type.String({ minLength: 1, maxLength: 1024 }),
  containerRunOptions: Type.Optional(
    Type.String({ maxLength: LONG_STRING_MAX, description: "extra `docker create` options, long forms only (--volume, not -v)" }),
  ),
  registry: Type.Optional(ContainerRegistrySchema),
  workingDirectory: Type.Optional(StringEnum(["taskWorkingDirectory", "containerImageDefault"])),
});
export type ContainerSettings = Static<typeof ContainerSettingsSchema>;

/** Per-task limits. */
export const TaskConstraintsSchema = Strict({
  maxTaskRetryCount: Type.Optional(Int({ minimum: -1, description: "-1 retries without limit" })),
  maxWallClockTimeSeconds: Type.Optional(Int({ minimum: 1 })),
  retentionTimeSeconds: Type.Optional(Int({ minimum: 0 })),
});
export type TaskConstraints = Static<typeof TaskConstraintsSchema>;

/** A Kubernetes-style condition; Ready/Reconciling/Stalled follow kstatus, Drifted is ours. */
export const ConditionSchema = Strict({
  type: Type.String({ minLength: 1, description: "Ready, Reconciling, Stalled or Drifted" }),
  status: StringEnum(["True", "False", "Unknown"]),
  reason: Type.String({ minLength: 1, pattern: "^[A-Za-z]([A-Za-z0-9]*)$", description: "one CamelCase word" }),
  message: Type.String({ maxLength: 32768 }),
  lastTransitionTime: Type.String({ format: "date-time" }),
  observedGeneration: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
});
export type Condition = Static<typeof ConditionSchema>;

export const ConditionsSchema = Type.Unsafe<Condition[]>({
  ...Type.Array(ConditionSchema),
  "x-kubernetes-list-type": "map",
  "x-kubernetes-list-map-keys": ["type"],
});

export const DriftPolicySchema = StringEnum(["Correct", "Alert", "Ignore"], {
  description: "Correct: undo out-of-band changes; Alert: report them as Drifted only; Ignore: neither. Default Correct.",
});
export type DriftPolicy = Static<typeof DriftPolicySchema>;

export const DeletionPolicySchema = StringEnum(["Delete", "Orphan"], {
  description: "Delete: deleting the resource deletes the Batch object; Orphan: leaves it running. Default Delete.",
});
export type DeletionPolicy = Static<typeof DeletionPolicySchema>;
