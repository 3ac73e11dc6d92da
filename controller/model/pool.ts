/** BatchPool: a desired Azure Batch pool. */
import { Type, type Static } from "@sinclair/typebox";
import { API_VERSION, COMMAND_LINE_MAX, LONG_STRING_MAX, MAX_POOL_NODES, POOL_KIND, SHORT_STRING_MAX } from "./constants.js";
import {
  BatchIdSchema,
  ConditionsSchema,
  ContainerRegistrySchema,
  ContainerSettingsSchema,
  DeletionPolicySchema,
  DriftPolicySchema,
  ManagerIdSchema,
  NAME_RULE,
  NameValueSchema,
  ObjectMetaSchema,
  ResourceFileSchema,
  UserIdentitySchema,
} from "./common.js";
import { Int, StringEnum, Strict } from "./schemaHelpers.js";
import { MountConfigurationSchema, PoolIdentitySchema } from "./poolMounts.js";
import { AccountRefSchema } from "./account.js";

export const MarketplaceImageSchema = Strict({
  publisher: Type.String({ minLength: 1, maxLength: SHORT_STRING_MAX, description: "e.g. microsoft-dsvm" }),
  offer: Type.String({ minLength: 1, maxLength: SHORT_STRING_MAX, description: "e.g. ubuntu-hpc" }),
  sku: Type.String({ minLength: 1, maxLength: SHORT_STRING_MAX, description: "e.g. 2204" }),
  version: Type.Optional(Type.String({ minLength: 1, maxLength: SHORT_STRING_MAX, description: "default latest" })),
});
export type MarketplaceImage = Static<typeof MarketplaceImageSchema>;

/** An Azure Compute Gallery image version id, or an image definition id meaning its latest version. */
export const GALLERY_IMAGE_PATTERN =
  "^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\\.Compute/galleries/[^/]+/images/[^/]+(/versions/[^/]+)?$";

export const ImageSchema = Strict(
  {
    marketplace: Type.Optional(MarketplaceImageSchema),
    virtualMachineImageId: Type.Optional(Type.String({ pattern: GALLERY_IMAGE_PATTERN, maxLength: LONG_STRING_MAX })),
  },
  {
    description: "Exactly one of a marketplace image or an Azure Compute Gallery image (virtualMachineImageId).",
    rules: [
      {
        id: "pool-image-exactly-one",
        rule: "has(self.marketplace) != has(self.virtualMachineImageId)",
        message: "image must set exactly one of marketplace or virtualMachineImageId",
      },
    ],
  },
);
export type PoolImage = Static<typeof ImageSchema>;

export const ContainerConfigurationSchema = Strict({
  type: StringEnum(["dockerCompatible", "criCompatible"]),
  containerImageNames: Type.Optional(
    Type.Array(Type.String({ minLength: 1, maxLength: 1024 }), { maxItems: 100, description: "images prefetched on every node" }),
  ),
  containerRegistries: Type.Optional(Type.Array(ContainerRegistrySchema, { maxItems: 20 })),
});
export type ContainerConfiguration = Static<typeof ContainerConfigurationSchema>;

export const FixedScaleSchema = Strict(
  {
    targetDedicatedNodes: Type.Optional(Int({ minimum: 0, maximum: MAX_POOL_NODES })),
    targetLowPriorityNodes: Type.Optional(Int({ minimum: 0, maximum: MAX_POOL_NODES })),
    resizeTimeoutSeconds: Type.Optional(Int({ minimum: 300, description: "default 900 (15 minutes)" })),
    nodeDeallocationOption: Type.Optional(StringEnum(["requeue", "terminate", "taskcompletion", "retaineddata"])),
  },
  {
    rules: [
      {
        id: "fixed-scale-needs-nodes",
        rule: "has(self.targetDedicatedNodes) || has(self.targetLowPriorityNodes)",
        message: "fixed scale sets targetDedicatedNodes and/or targetLowPriorityNodes",
      },
    ],
  },
);
export type FixedScale = Static<typeof FixedScaleSchema>;

export const AutoscaleSchema = Strict({
  formula: Type.String({ minLength: 1, maxLength: 8192 }),
  evaluationIntervalSeconds: Type.Optional(Int({ minimum: 300, maximum: 604800, description: "5 minutes to 168 hours; default 900" })),
});
export type Autoscale = Static<typeof AutoscaleSchema>;

export const ScaleSchema = Strict(
  { fixed: Type.Optional(FixedScaleSchema), autoscale: Type.Optional(AutoscaleSchema) },
  {
    description: "Exactly one of a fixed node count or an autoscale formula.",
    rules: [
      {
        id: "pool-scale-exactly-one",
        rule: "has(self.fixed) != has(self.autoscale)",
        message: "scale must set exactly one of fixed or autoscale",
      },
    ],
  },
);
export type PoolScale = Static<typeof ScaleSchema>;

export const StartTaskSchema = Strict({
  commandLine: Type.String({ minLength: 1, maxLength: COMMAND_LINE_MAX }),
  waitForSuccess: Type.Optional(
    Type.Boolean({ description: "tasks are not scheduled on a node until its start task succeeded; default true" }),
  ),
  userIdentity: Type.Optional(UserIdentitySchema),
  resourceFiles: Type.Optional(Type.Array(ResourceFileSchema, { maxItems: 100 })),
  environmentSettings: Type.Optional(Type.Array(NameValueSchema, { maxItems: 1000 })),
  containerSettings: Type.Optional(ContainerSettingsSchema),
  maxTaskRetryCount: Type.Optional(Int({ minimum: -1 })),
});
export type StartTask = Static<typeof StartTaskSchema>;

export const NetworkConfigurationSchema = Strict({
  subnetId: Type.String({ minLength: 1, maxLength: LONG_STRING_MAX, description: "ARM id of the virtual network subnet the nodes join" }),
  subnetAddressPrefix: Type.Optional(
    Type.String({
      maxLength: 18,
      pattern: "^\\d{1,3}(\\.\\d{1,3}){3}/\\d{1,2}$",
      description: "the subnet's CIDR; lets validate check it against Docker's default bridge",
    }),
  ),
});
export type NetworkConfiguration = Static<typeof NetworkConfigurationSchema>;

export const UpdateStrategySchema = Strict({
  type: StringEnum(["Recreate", "BlueGreen"], {
    description:
      "how changes Batch cannot apply in place are rolled out: Recreate deletes then creates; BlueGreen creates the new pool first. Default Recreate.",
  }),
});

export const PoolAdoptSchema = Strict(
  {
    poolId: Type.Optional(BatchIdSchema),
    fromManager: Type.Optional(ManagerIdSchema),
  },
  {
    description: "Take over an existing Batch pool: one not created here (poolId), or one another controller manages (fromManager).",
    rules: [
      { id: "pool-adopt-something", rule: "has(self.poolId) || has(self.fromManager)", message: "adopt sets poolId, fromManager or both" },
    ],
  },
);

export const BatchPoolSpecSchema = Strict({
  vmSize: Type.String({ minLength: 1, maxLength: 64, description: "e.g. standard_d2s_v3" }),
  image: ImageSchema,
  nodeAgentSkuId: Type.String({
    minLength: 1,
    maxLength: SHORT_STRING_MAX,
    description: "must match the image OS, e.g. batch.node.ubuntu 22.04",
  }),
  containerConfiguration: Type.Optional(ContainerConfigurationSchema),
  scale: ScaleSchema,
  taskSlotsPerNode: Type.Optional(Int({ minimum: 1, maximum: 256 })),
  startTask: Type.Optional(StartTaskSchema),
  networkConfiguration: Type.Optional(NetworkConfigurationSchema),
  identity: Type.Optional(PoolIdentitySchema),
  mountConfiguration: Type.Optional(MountConfigurationSchema),
  metadata: Type.Optional(Type.Array(NameValueSchema, { maxItems: 1000, description: "name/value pairs stored on the Batch pool" })),
  updateStrategy: Type.Optional(UpdateStrategySchema),
  driftPolicy: Type.Optional(DriftPolicySchema),
  deletionPolicy: Type.Optional(DeletionPolicySchema),
  suspend: Type.Optional(Type.Boolean({ description: "stop reconciling this pool while true" })),
  adopt: Type.Optional(PoolAdoptSchema),
  accountRef: Type.Optional(AccountRefSchema),
});
export type BatchPoolSpec = Static<typeof BatchPoolSpecSchema>;

const NodeCount = Type.Optional(Int({ minimum: 0 }));

export const ResizeErrorSchema = Strict({ code: Type.String(), message: Type.String() });

export const BatchPoolStatusSchema = Strict({
  observedGeneration: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
  conditions: Type.Optional(ConditionsSchema),
  poolId: Type.Optional(Type.String({ description: "the Batch pool this resource manages" })),
  retiringPoolIds: Type.Optional(Type.Array(Type.String(), { description: "pools being replaced (BlueGreen), deleted once drained" })),
  specHash: Type.Optional(Type.String()),
  allocationState: Type.Optional(StringEnum(["steady", "resizing", "stopping"])),
  currentDedicatedNodes: NodeCount,
  currentLowPriorityNodes: NodeCount,
  targetDedicatedNodes: NodeCount,
  targetLowPriorityNodes: NodeCount,
  nodes: Type.Optional(Type.String({ description: "current/target node count, for kubectl get" })),
  image: Type.Optional(Type.String({ description: "short image name, for kubectl get" })),
  nodeCounts: Type.Optional(
    Strict({
      creating: NodeCount,
      starting: NodeCount,
      waitingForStartTask: NodeCount,
      startTaskFailed: NodeCount,
      idle: NodeCount,
      running: NodeCount,
      rebooting: NodeCount,
      reimaging: NodeCount,
      leavingPool: NodeCount,
      offline: NodeCount,
      preempted: NodeCount,
      unusable: NodeCount,
      unknown: NodeCount,
      total: NodeCount,
    }),
  ),
  resizeErrors: Type.Optional(Type.Array(ResizeErrorSchema)),
  lastSyncTime: Type.Optional(Type.String({ format: "date-time" })),
  account: Type.Optional(
    Type.String({ description: "the Batch account: default (the controller's flags) or the BatchAccount's namespace/name" }),
  ),
  sourceRevision: Type.Optional(Type.String({ description: "Git revision of the manifest this status describes (directory mode)" })),
});
export type BatchPoolStatus = Static<typeof BatchPoolStatusSchema>;

export const BatchPoolSchema = Strict(
  {
    apiVersion: Type.Literal(API_VERSION),
    kind: Type.Literal(POOL_KIND),
    metadata: ObjectMetaSchema,
    spec: BatchPoolSpecSchema,
    status: Type.Optional(BatchPoolStatusSchema),
  },
  { rules: [NAME_RULE] },
);
export type BatchPool = Static<typeof BatchPoolSchema>;
