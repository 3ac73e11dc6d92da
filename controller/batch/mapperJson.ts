/**
 * Request bodies written as @azure/batch writes them (wireJson.ts), from the SDK's own mappers. Tasks
 * serialized elsewhere (a worker thread, runtime/taskStream) arrive as SerializedTask and are sent as they are.
 */
import { BatchServiceMappers } from "@azure/batch";
import { SerializedTask, type TaskPayload } from "./adapter.js";
import { collectionJson, mapperTableOf, taskWriter, type MapperLike, type MapperTable } from "./wireJson.js";

const models = BatchServiceMappers as unknown as MapperTable;

/** TaskAddParameter and every class it reaches, as plain data (for a worker that does not load the SDK). */
export function taskMapperTable(): Record<string, MapperLike> {
  return mapperTableOf("TaskAddParameter", models);
}

/** One TaskAddParameter's wire JSON, as the SDK writes it. */
export const taskJson: (task: unknown) => string = taskWriter(models);

/** The addtaskcollection body for these tasks (@azure/batch parameter shapes), byte for byte as the SDK writes it. */
export function taskCollectionJson(tasks: readonly TaskPayload[]): string {
  return collectionJson(tasks.map((task) => (task instanceof SerializedTask ? task.json : taskJson(task))));
}
