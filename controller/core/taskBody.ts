/**
 * A job's tasks as Batch request bodies: the declared list or the task factory, streamed (never expanded
 * up front), each task in the wire's member order with its content marker (taskContent.ts). Pure: the
 * engine runs it in-process, and the task serialization worker (runtime/taskStream) runs it from the
 * same recipe off the main thread.
 */
import type { TaskSpec } from "../model/job.js";
import { expandTaskFactory, taskFactoryCount } from "../model/taskFactory.js";
import { stableHash } from "./hash.js";
import type { JsonObject, TaskRecipe, TaskSet } from "./intent.js";
import { taskIntent } from "./taskContent.js";

type Registry = {
  registryServer: string;
  username?: string;
  passwordSecretRef?: { name: string; key: string };
  identityResourceId?: string;
};

/** Explicit tasks or a factory, as a re-iterable stream; a factory is never expanded up front. */
export function taskSetOf(recipe: TaskRecipe): TaskSet {
  const factory = recipe.taskFactory;
  return {
    total: factory === undefined ? (recipe.tasks ?? []).length : taskFactoryCount(factory),
    hash: factory === undefined ? stableHash({ tasks: recipe.tasks ?? [] }) : stableHash({ factory }),
    recipe,
    *tasks() {
      for (const task of taskSpecsOf(recipe)) yield taskIntent(taskBody(task));
    },
  };
}

/** The declared tasks before they become bodies (cheap to skip over: nothing is hashed or serialized). */
export function taskSpecsOf(recipe: TaskRecipe): Iterable<TaskSpec> {
  return recipe.taskFactory === undefined ? (recipe.tasks ?? []) : expandTaskFactory(recipe.taskFactory);
}

/** Members in the order Batch's wire format has them, so the body goes out without being reordered (ADR 0026). */
export function taskBody(task: TaskSpec): JsonObject & { id: string } {
  return {
    id: task.id,
    ...prune({
      displayName: task.displayName,
      commandLine: task.commandLine,
      containerSettings: containerSettings(task.containerSettings),
      resourceFiles: task.resourceFiles?.map(resourceFile),
      outputFiles: task.outputFiles?.map(outputFile),
      environmentSettings: task.environmentSettings,
      constraints: taskConstraints(task.constraints),
      userIdentity: task.userIdentity,
      dependsOn: task.dependsOn,
    }),
  };
}

export function registry(r: Registry): JsonObject {
  return prune({
    registryServer: r.registryServer,
    userName: r.username,
    passwordSecretRef: r.passwordSecretRef,
    identityReference: r.identityResourceId === undefined ? undefined : { resourceId: r.identityResourceId },
  });
}

export function containerSettings(
  c: { imageName: string; containerRunOptions?: string; registry?: Registry; workingDirectory?: string } | undefined,
): JsonObject | undefined {
  if (c === undefined) return undefined;
  return prune({ ...c, registry: c.registry && registry(c.registry) });
}

export function resourceFile(f: { identityResourceId?: string } & Record<string, unknown>): JsonObject {
  const { identityResourceId, ...rest } = f;
  return prune({ ...rest, identityReference: identityResourceId === undefined ? undefined : { resourceId: identityResourceId } });
}

function outputFile(f: TaskSpec extends { outputFiles?: (infer O)[] } ? O : never): JsonObject {
  const { identityResourceId, ...container } = f.destination.container;
  return {
    filePattern: f.filePattern,
    destination: {
      container: prune({
        ...container,
        identityReference: identityResourceId === undefined ? undefined : { resourceId: identityResourceId },
      }),
    },
    uploadOptions: f.uploadOptions,
  };
}

export function taskConstraints(
  c: { maxTaskRetryCount?: number; maxWallClockTimeSeconds?: number; retentionTimeSeconds?: number } | undefined,
): JsonObject | undefined {
  if (c === undefined) return undefined;
  return prune({
    maxTaskRetryCount: c.maxTaskRetryCount,
    maxWallClockTime: seconds(c.maxWallClockTimeSeconds),
    retentionTime: seconds(c.retentionTimeSeconds),
  });
}

export function seconds(value: number | undefined): string | undefined {
  return value === undefined ? undefined : `PT${value}S`;
}

/** Drops undefined members so hashes and request bodies only hold what the manifest sets. */
export function prune(obj: Record<string, unknown>): JsonObject {
  const out: JsonObject = {};
  for (const key in obj) if (obj[key] !== undefined) out[key] = obj[key];
  return out;
}
