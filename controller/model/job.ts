/** BatchJob: a desired Azure Batch job and its tasks (an explicit list or a task factory). */
import { Type, type Static } from "@sinclair/typebox";
import { API_VERSION, COMMAND_LINE_MAX, JOB_KIND, NAME_MAX_LENGTH } from "./constants.js";
import {
  BatchIdSchema,
  ConditionsSchema,
  ContainerSettingsSchema,
  DeletionPolicySchema,
  DriftPolicySchema,
  ManagerIdSchema,
  NAME_RULE,
  NameValueSchema,
  ObjectMetaSchema,
  OutputFileSchema,
  ResourceFileSchema,
  TaskConstraintsSchema,
  UserIdentitySchema,
} from "./common.js";
import { Int, StringEnum, Strict } from "./schemaHelpers.js";
import { AccountRefSchema } from "./account.js";

export const TaskDependenciesSchema = Strict({
  taskIds: Type.Optional(Type.Array(BatchIdSchema, { maxItems: 1000 })),
  taskIdRanges: Type.Optional(
    Type.Array(
      Strict(
        { start: Int({ minimum: 0 }), end: Int({ minimum: 0 }) },
        { rules: [{ id: "task-id-range-order", rule: "self.end >= self.start", message: "taskIdRanges end must not be below start" }] },
      ),
      { maxItems: 100 },
    ),
  ),
});

/**
 * What a task sets besides its id and dependencies: one definition for the explicit task (TaskSpec)
 * and the factory's template (TaskTemplate), so the two cannot drift apart.
 */
const TaskBodyProperties = {
  displayName: Type.Optional(Type.String({ maxLength: 1024 })),
  commandLine: Type.String({ minLength: 1, maxLength: COMMAND_LINE_MAX }),
  containerSettings: Type.Optional(ContainerSettingsSchema),
  resourceFiles: Type.Optional(Type.Array(ResourceFileSchema, { maxItems: 100 })),
  outputFiles: Type.Optional(Type.Array(OutputFileSchema, { maxItems: 100 })),
  environmentSettings: Type.Optional(Type.Array(NameValueSchema, { maxItems: 1000 })),
  userIdentity: Type.Optional(UserIdentitySchema),
  constraints: Type.Optional(TaskConstraintsSchema),
};

/** One Batch task. Ids are unique within the job, case-insensitively. */
export const TaskSpecSchema = Strict({
  id: BatchIdSchema,
  ...TaskBodyProperties,
  dependsOn: Type.Optional(TaskDependenciesSchema),
});
export type TaskSpec = Static<typeof TaskSpecSchema>;

/**
 * A task template: the task's body, whose strings may hold `{param}` or `{param:0N}` placeholders,
 * under an id template. No dependsOn: a sweep's tasks are independent.
 */
export const TaskTemplateSchema = Strict({
  id: Type.String({ minLength: 1, maxLength: 512, description: "id template, e.g. frame-{i:05}; must use every swept parameter" }),
  ...TaskBodyProperties,
});
export type TaskTemplate = Static<typeof TaskTemplateSchema>;

export const SweepParameterSchema = Strict(
  {
    name: Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_]{0,31}$" }),
    start: Int(),
    end: Int({ description: "inclusive" }),
    step: Type.Optional(Int({ minimum: 1, description: "default 1" })),
  },
  { rules: [{ id: "sweep-range-order", rule: "self.end >= self.start", message: "a sweep parameter's end must not be below its start" }] },
);
export type SweepParameter = Static<typeof SweepParameterSchema>;

/** A parametric sweep (as in Batch Shipyard): one task per combination of integer parameters. */
export const ParametricSweepSchema = Strict({
  parameters: Type.Array(SweepParameterSchema, { minItems: 1, maxItems: 8 }),
  taskTemplate: TaskTemplateSchema,
});
export type ParametricSweep = Static<typeof ParametricSweepSchema>;

export const TaskFactorySchema = Strict({ parametricSweep: ParametricSweepSchema });
export type TaskFactory = Static<typeof TaskFactorySchema>;

export const JobConstraintsSchema = Strict({
  maxWallClockTimeSeconds: Type.Optional(Int({ minimum: 1 })),
  maxTaskRetryCount: Type.Optional(Int({ minimum: -1 })),
});

export const JobPreparationTaskSchema = Strict({
  id: Type.Optional(BatchIdSchema),
  commandLine: Type.String({ minLength: 1, maxLength: COMMAND_LINE_MAX }),
  containerSettings: Type.Optional(ContainerSettingsSchema),
  resourceFiles: Type.Optional(Type.Array(ResourceFileSchema, { maxItems: 100 })),
  environmentSettings: Type.Optional(Type.Array(NameValueSchema, { maxItems: 1000 })),
  constraints: Type.Optional(TaskConstraintsSchema),
  waitForSuccess: Type.Optional(Type.Boolean()),
  userIdentity: Type.Optional(UserIdentitySchema),
  rerunOnNodeRebootAfterSuccess: Type.Optional(Type.Boolean()),
});

export const JobReleaseTaskSchema = Strict({
  id: Type.Optional(BatchIdSchema),
  commandLine: Type.String({ minLength: 1, maxLength: COMMAND_LINE_MAX }),
  containerSettings: Type.Optional(ContainerSettingsSchema),
  resourceFiles: Type.Optional(Type.Array(ResourceFileSchema, { maxItems: 100 })),
  environmentSettings: Type.Optional(Type.Array(NameValueSchema, { maxItems: 1000 })),
  maxWallClockTimeSeconds: Type.Optional(Int({ minimum: 1 })),
  retentionTimeSeconds: Type.Optional(Int({ minimum: 0 })),
  userIdentity: Type.Optional(UserIdentitySchema),
});

export const JobAdoptSchema = Strict(
  {
    jobId: Type.Optional(BatchIdSchema),
    fromManager: Type.Optional(ManagerIdSchema),
  },
  {
    description: "Take over an existing Batch job: one not created here (jobId), or one another controller manages (fromManager).",
    rules: [
      { id: "job-adopt-something", rule: "has(self.jobId) || has(self.fromManager)", message: "adopt sets jobId, fromManager or both" },
    ],
  },
);

export const BatchJobSpecSchema = Strict(
  {
    poolRef: Type.Optional(
      Strict({ name: Type.String({ minLength: 1, maxLength: NAME_MAX_LENGTH }) }, { description: "a BatchPool in the same namespace" }),
    ),
    poolId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: "an existing Batch pool not managed here" })),
    priority: Type.Optional(Int({ minimum: -1000, maximum: 1000 })),
    constraints: Type.Optional(JobConstraintsSchema),
    onAllTasksComplete: Type.Optional(StringEnum(["noaction", "terminatejob"])),
    onTaskFailure: Type.Optional(StringEnum(["noaction", "performexitoptionsjobaction"])),
    jobPreparationTask: Type.Optional(JobPreparationTaskSchema),
    jobReleaseTask: Type.Optional(JobReleaseTaskSchema),
    tasks: Type.Optional(Type.Array(TaskSpecSchema, { maxItems: 10000, description: "explicit tasks; use taskFactory for more" })),
    taskFactory: Type.Optional(TaskFactorySchema),
    metadata: Type.Optional(Type.Array(NameValueSchema, { maxItems: 1000 })),
    driftPolicy: Type.Optional(DriftPolicySchema),
    deletionPolicy: Type.Optional(DeletionPolicySchema),
    suspend: Type.Optional(Type.Boolean({ description: "disable the Batch job (no new tasks start) while true" })),
    adopt: Type.Optional(JobAdoptSchema),
    accountRef: Type.Optional(AccountRefSchema),
  },
  {
    rules: [
      { id: "job-pool-exactly-one", rule: "has(self.poolRef) != has(self.poolId)", message: "a job sets exactly one of poolRef or poolId" },
      {
        id: "job-tasks-or-factory",
        rule: "!(has(self.tasks) && has(self.taskFactory))",
        message: "a job sets tasks or taskFactory, not both",
      },
      {
        id: "job-release-needs-preparation",
        rule: "!has(self.jobReleaseTask) || has(self.jobPreparationTask)",
        message: "a jobReleaseTask requires a jobPreparationTask (Batch rule)",
      },
    ],
  },
);
export type BatchJobSpec = Static<typeof BatchJobSpecSchema>;

const Count = Type.Optional(Int({ minimum: 0 }));

export const TaskCountsSchema = Strict({ active: Count, running: Count, completed: Count, succeeded: Count, failed: Count });
export type TaskCounts = Static<typeof TaskCountsSchema>;

export const FailedTaskSchema = Strict({
  taskId: Type.String(),
  exitCode: Type.Optional(Type.Integer()),
  category: Type.Optional(Type.String({ description: "Batch failureInfo.category: usererror or servererror" })),
  code: Type.Optional(Type.String({ description: "Batch failureInfo.code, e.g. FailureExitCode" })),
});

export const BatchJobStatusSchema = Strict({
  observedGeneration: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
  conditions: Type.Optional(ConditionsSchema),
  jobId: Type.Optional(Type.String({ description: "the Batch job this resource manages" })),
  poolId: Type.Optional(Type.String({ description: "the Batch pool the job runs on" })),
  state: Type.Optional(StringEnum(["active", "disabling", "disabled", "enabling", "terminating", "completed", "deleting"])),
  taskCounts: Type.Optional(TaskCountsSchema),
  tasksTotal: Count,
  tasksSubmitted: Type.Optional(Int({ minimum: 0, description: "tasks added to Batch so far, in spec order; submission resumes here" })),
  completions: Type.Optional(Type.String({ description: "succeeded/total, for kubectl get" })),
  failedTasks: Type.Optional(
    Type.Array(FailedTaskSchema, { maxItems: 10, description: "the first few failed tasks (the count is taskCounts.failed)" }),
  ),
  specHash: Type.Optional(Type.String()),
  lastSyncTime: Type.Optional(Type.String({ format: "date-time" })),
  account: Type.Optional(
    Type.String({ description: "the Batch account: default (the controller's flags) or the BatchAccount's namespace/name" }),
  ),
  sourceRevision: Type.Optional(Type.String({ description: "Git revision of the manifest this status describes (directory mode)" })),
});
export type BatchJobStatus = Static<typeof BatchJobStatusSchema>;

export const BatchJobSchema = Strict(
  {
    apiVersion: Type.Literal(API_VERSION),
    kind: Type.Literal(JOB_KIND),
    metadata: ObjectMetaSchema,
    spec: BatchJobSpecSchema,
    status: Type.Optional(BatchJobStatusSchema),
  },
  { rules: [NAME_RULE] },
);
export type BatchJob = Static<typeof BatchJobSchema>;
