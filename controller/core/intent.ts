/**
 * The engine's normalized view of what a manifest asks for, already in Batch's vocabulary.
 * `fromModel.ts` derives intents from the model's specs; the planner compares intents with
 * observations. Batch-shaped objects (startTask, virtualMachineConfiguration...) are plain JSON
 * in the @azure/batch request shape so the adapter passes them through unchanged.
 */
import type { TaskFactory, TaskSpec } from "../model/job.js";
import type { ResourceKey } from "./resourceKey.js";

export type JsonObject = { [key: string]: unknown };
export type UpdateStrategy = "Recreate" | "BlueGreen";
export type DriftPolicy = "Correct" | "Alert" | "Ignore";
export type DeletionPolicy = "Delete" | "Orphan";

export type PoolScale =
  | {
      readonly mode: "fixed";
      readonly targetDedicatedNodes: number;
      readonly targetLowPriorityNodes: number;
      readonly resizeTimeoutSeconds?: number;
      readonly nodeDeallocationOption?: string;
    }
  | { readonly mode: "autoscale"; readonly formula: string; readonly evaluationIntervalSeconds: number };

/** The part of a pool the service cannot change in place: any change means a new pool. */
export interface PoolImmutableSpec {
  readonly vmSize: string;
  readonly virtualMachineConfiguration: JsonObject;
  readonly taskSlotsPerNode: number;
  readonly networkConfiguration?: JsonObject;
  readonly mountConfiguration?: JsonObject[];
  readonly userAccounts?: JsonObject[];
  /** `{ type: "UserAssigned", userAssignedIdentities: [{ resourceId }] }`: only ARM can set it (docs/arm-and-identity.md). */
  readonly identity?: JsonObject;
}

export interface PoolIntent {
  readonly key: ResourceKey;
  readonly namespace: string;
  readonly name: string;
  readonly generation: number;
  readonly immutable: PoolImmutableSpec;
  readonly scale: PoolScale;
  readonly startTask?: JsonObject;
  readonly metadata: Readonly<Record<string, string>>;
  readonly updateStrategy: UpdateStrategy;
  readonly driftPolicy: DriftPolicy;
  readonly deletionPolicy: DeletionPolicy;
  readonly suspend: boolean;
  /** An existing, unowned Batch pool id the manifest explicitly adopts (kept as its id). */
  readonly adoptPoolId?: string;
  /** The manager this resource is handed over from (`spec.adopt.fromManager`): its objects count as ours. */
  readonly adoptFromManager?: string;
}

export interface TaskIntent {
  readonly id: string;
  /** Hash of the task's content; also carried in the body as an environment variable (taskContent.ts). */
  readonly contentHash: string;
  /** The Batch TaskAddParameter, content marker included. */
  readonly body: JsonObject;
}

/** The manifest members a job's tasks are generated from (plain data: it can be posted to a worker thread). */
export interface TaskRecipe {
  readonly taskFactory?: TaskFactory;
  readonly tasks?: readonly TaskSpec[];
}

/** Where a job's tasks come from: a finite list or a generator (task factories), streamed in order. */
export interface TaskSet {
  /** Number of tasks declared. */
  readonly total: number;
  /** Hash of the whole declared set: recorded on the job once all are submitted. */
  readonly hash: string;
  /** Yields tasks in a stable order; called again on each pass, never materialized. */
  tasks(): Iterable<TaskIntent>;
  /** What the tasks are generated from, when they come from a manifest (core/taskBody.ts taskSetOf). */
  readonly recipe?: TaskRecipe;
}

export interface JobIntent {
  readonly key: ResourceKey;
  readonly namespace: string;
  readonly name: string;
  readonly generation: number;
  readonly jobId: string;
  /** BatchPool resource name in the same namespace, or undefined when `poolId` names a Batch pool directly. */
  readonly poolRef?: string;
  readonly poolId?: string;
  readonly priority: number;
  readonly constraints?: JsonObject;
  readonly onAllTasksComplete?: string;
  readonly onTaskFailure?: string;
  readonly jobPreparationTask?: JsonObject;
  readonly jobReleaseTask?: JsonObject;
  readonly usesTaskDependencies: boolean;
  readonly metadata: Readonly<Record<string, string>>;
  readonly tasks: TaskSet;
  readonly driftPolicy: DriftPolicy;
  readonly deletionPolicy: DeletionPolicy;
  readonly suspend: boolean;
  /** The manager this resource is handed over from (`spec.adopt.fromManager`): its job counts as ours. */
  readonly adoptFromManager?: string;
  /** An existing Batch job the manifest explicitly adopts (`spec.adopt.jobId`), even one created outside batch-gitops. */
  readonly adoptJobId?: string;
}
