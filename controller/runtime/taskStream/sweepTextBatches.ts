/**
 * A sweep whose template compiles to text (core/sweepText.ts, ADR 0032) is written on the engine's own
 * thread, a chunk at a time as the submission takes it: at a few microseconds a task, writing it costs less
 * than receiving it from the serialization worker, and no thread is started (docs/adr/0033).
 */
import { taskJson } from "../../batch/mapperJson.js";
import type { TaskRecipe } from "../../core/intent.js";
import { compileSweepText } from "../../core/sweepText.js";
import { taskFactoryCount } from "../../model/taskFactory.js";
import { hasSecretRef } from "../secretRefs.js";
import type { SubmittableTask } from "../taskSubmission.js";
import { WireTask } from "./wireTask.js";

/** addtaskcollection's limit: a batch is one request's chunk. */
const BATCH_SIZE = 100;

/**
 * The sweep's tasks in declared order, or undefined when the recipe is no sweep or its template does not
 * compile (one holding a secret reference, resolved just before sending, never does).
 */
export function sweepTextBatches(recipe: TaskRecipe): AsyncIterable<SubmittableTask[]> | undefined {
  const factory = recipe.taskFactory;
  if (factory === undefined) return undefined;
  const write = compileSweepText(factory, taskJson, (body) => !hasSecretRef(body));
  if (write === undefined) return undefined;
  const total = taskFactoryCount(factory);
  return (async function* () {
    for (let index = 0; index < total;) {
      const batch: SubmittableTask[] = [];
      for (const end = Math.min(total, index + BATCH_SIZE); index < end; index++) {
        const task = write(index);
        batch.push(new WireTask(task.id, task.json, task.contentHash));
      }
      yield batch;
    }
  })();
}
