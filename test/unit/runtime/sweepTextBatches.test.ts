/**
 * A sweep that compiles to text is written on the engine's own thread (ADR 0033), a request's chunk at a
 * time: every task must be what the general path builds (id, content marker, wire JSON; ADR 0003 compares
 * the marker with tasks already in Batch), in declared order, sent as it is. A task list, or a template
 * holding a secret reference (resolved just before sending), is left to the general path.
 */
import { describe, expect, it } from "vitest";
import { SerializedTask } from "../../../controller/batch/adapter.js";
import { taskCollectionJson } from "../../../controller/batch/mapperJson.js";
import type { TaskRecipe } from "../../../controller/core/intent.js";
import { taskSetOf } from "../../../controller/core/taskBody.js";
import { sweepTextBatches } from "../../../controller/runtime/taskStream/sweepTextBatches.js";
import type { SubmittableTask } from "../../../controller/runtime/taskSubmission.js";

function sweep(taskTemplate: object, end = 249): TaskRecipe {
  return { taskFactory: { parametricSweep: { parameters: [{ name: "frame", start: 0, end }], taskTemplate } } } as unknown as TaskRecipe;
}

const template = {
  id: "f-{frame:04}",
  commandLine: 'render --frame {frame} && echo "{frame}" \u00e9',
  resourceFiles: [{ httpUrl: "https://store/scenes/{frame}.blend", filePath: "scene.blend" }],
  environmentSettings: [{ name: "FRAME", value: "{frame}" }],
};

/** id, content marker and the task's JSON in an addtaskcollection body, as the general path writes them. */
function generalPath(recipe: TaskRecipe): string[] {
  return [...taskSetOf(recipe).tasks()].map((t) => `${t.id} ${t.contentHash} ${taskCollectionJson([t.body])}`);
}

async function collect(batches: AsyncIterable<SubmittableTask[]>): Promise<SubmittableTask[][]> {
  const all: SubmittableTask[][] = [];
  for await (const batch of batches) all.push(batch);
  return all;
}

describe("a sweep's tasks written from text on the engine's thread", () => {
  it("gives every task as the general path builds it, in declared order, a request's chunk at a time", async () => {
    const recipe = sweep(template);
    const batches = sweepTextBatches(recipe);
    if (batches === undefined) throw new Error("the sweep did not compile to text");
    const all = await collect(batches);
    expect(all.map((batch) => batch.length)).toEqual([100, 100, 50]);
    const tasks = all.flat();
    for (const task of tasks) expect(task.payload).toBeInstanceOf(SerializedTask);
    expect(tasks.map((t) => `${t.id} ${t.contentHash} ${taskCollectionJson([t.payload as SerializedTask])}`)).toEqual(generalPath(recipe));
  });

  it("leaves a task list and a template holding a secret reference to the general path", () => {
    const list = { tasks: [{ id: "a", commandLine: "echo a" }] } as unknown as TaskRecipe;
    const secret = sweep({
      ...template,
      containerSettings: {
        imageName: "contoso.azurecr.io/render:1",
        registry: { registryServer: "contoso.azurecr.io", username: "bob", passwordSecretRef: { name: "acr", key: "password" } },
      },
    });
    expect(sweepTextBatches(list)).toBeUndefined();
    expect(sweepTextBatches(secret)).toBeUndefined();
    expect(sweepTextBatches(sweep(template))).toBeDefined();
  });
});
