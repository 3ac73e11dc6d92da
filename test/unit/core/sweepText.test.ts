/**
 * A sweep's tasks written from text (core/sweepText.ts, ADR 0032) must be, for every task, the id, content
 * marker and wire JSON the general path builds: the marker is compared with tasks already in Batch (ADR 0003),
 * so one byte of difference would resubmit or strand a task. Where the text cannot be trusted, compiling
 * gives up and the caller takes the general path.
 */
import { describe, expect, it } from "vitest";
import { taskWriter } from "../../../controller/batch/wireJson.js";
import { taskMapperTable } from "../../../controller/batch/mapperJson.js";
import { compileSweepText } from "../../../controller/core/sweepText.js";
import { taskBody } from "../../../controller/core/taskBody.js";
import { taskIntent } from "../../../controller/core/taskContent.js";
import type { TaskFactory } from "../../../controller/model/job.js";
import { expandTaskFactory } from "../../../controller/model/taskFactory.js";

const writeTask = taskWriter(taskMapperTable());

function factory(parameters: object[], taskTemplate: object): TaskFactory {
  return { parametricSweep: { parameters, taskTemplate } } as unknown as TaskFactory;
}

function generalPath(f: TaskFactory): string[] {
  return [...expandTaskFactory(f)].map((spec) => {
    const intent = taskIntent(taskBody(spec));
    return `${intent.id} ${intent.contentHash} ${writeTask(intent.body)}`;
  });
}

function fromText(f: TaskFactory): string[] {
  const write = compileSweepText(f, writeTask);
  if (write === undefined) throw new Error("the sweep did not compile to text");
  return generalPath(f).map((_, index) => {
    const task = write(index);
    return `${task.id} ${task.contentHash} ${task.json}`;
  });
}

const everyMember = factory(
  [
    { name: "frame", start: -3, end: 40, step: 7 },
    { name: "pass", start: 0, end: 2 },
  ],
  {
    id: "r-{frame:04}-{pass}",
    displayName: "frame {frame} ({pass}) {{frame}} ${HOME} {unknown}",
    commandLine: "render --frame {frame:06} --pass {pass} && echo \"{frame}\" \\ 'quoted' \u00e9\u4e2d",
    containerSettings: {
      imageName: "contoso.azurecr.io/render:{pass}",
      containerRunOptions: "--rm --name r{frame}",
      registry: { registryServer: "contoso.azurecr.io", identityResourceId: "/subscriptions/s/rg/id" },
      workingDirectory: "taskWorkingDirectory",
    },
    resourceFiles: [{ httpUrl: "https://store/scenes/{frame}.blend", filePath: "scene-{pass}.blend", fileMode: "0755" }],
    outputFiles: [
      {
        filePattern: "out/*.exr",
        destination: { container: { containerUrl: "https://store/out?sv=x", path: "{pass}/{frame}", identityResourceId: "/i" } },
        uploadOptions: { uploadCondition: "taskSuccess" },
      },
    ],
    environmentSettings: [
      { name: "PASS", value: "{pass}" },
      { name: "FRAME", value: "{frame:03}" },
    ],
    userIdentity: { autoUser: { scope: "task", elevationLevel: "nonadmin" } },
    constraints: { maxTaskRetryCount: 2, maxWallClockTimeSeconds: 3600, retentionTimeSeconds: 86400 },
  },
);

describe("a sweep written from text", () => {
  it("is, task by task, what the general path builds, with every member a task can have", () => {
    const expected = generalPath(everyMember);
    expect(expected).toHaveLength(21);
    expect(fromText(everyMember)).toEqual(expected);
  });

  it("fills placeholders that appear only in the id, and a single-task sweep", () => {
    for (const f of [
      factory([{ name: "i", start: 0, end: 999 }], { id: "t-{i:06}", commandLine: "echo hello" }),
      factory([{ name: "i", start: 5, end: 5 }], { id: "only", commandLine: "echo {i}" }),
      factory(
        [
          { name: "a", start: 0, end: 3 },
          { name: "b", start: 10, end: 12 },
        ],
        { id: "{a}-{b}", commandLine: "x {b}{a}" },
      ),
    ]) {
      expect(fromText(f)).toEqual(generalPath(f));
    }
  });

  it("gives up on a template holding a character it uses as a marker", () => {
    // A placeholder's marker and the content hash's.
    for (const literal of ["\uE0000\uE001", "\uE002"]) {
      const f = factory([{ name: "i", start: 0, end: 3 }], { id: "t-{i}", commandLine: `echo ${literal} {i}` });
      expect(compileSweepText(f, writeTask)).toBeUndefined();
      expect(generalPath(f)[1]).toContain(`echo ${literal} 1`);
    }
  });

  it("gives up when the caller refuses the template's body (a secret reference goes the general way)", () => {
    const f = factory([{ name: "i", start: 0, end: 3 }], { id: "t-{i}", commandLine: "echo {i}" });
    expect(compileSweepText(f, writeTask, () => false)).toBeUndefined();
  });

  it("gives up when its text differs from the general path's (a writer that reads a value)", () => {
    const f = factory([{ name: "i", start: 0, end: 20 }], { id: "t-{i}", commandLine: "echo {i}" });
    // A writer whose output depends on a string's content, which the text cannot follow.
    const readsValues = (task: unknown): string => writeTask(task).replace(/echo 1\d/, "echo teen");
    expect(compileSweepText(f, readsValues)).toBeUndefined();
  });
});
