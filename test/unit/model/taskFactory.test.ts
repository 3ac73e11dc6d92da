import { describe, expect, it } from "vitest";
import { expandTaskFactory, taskAt, taskFactoryCount, checkTaskFactory, type TaskFactory } from "../../../controller/model/index.js";
import { aSweep } from "../../helpers/resources.js";

function sweep(parameters: TaskFactory["parametricSweep"]["parameters"], id: string, commandLine = "run {a} {b}"): TaskFactory {
  return { parametricSweep: { parameters, taskTemplate: { id, commandLine } } };
}

describe("task factory: parametric sweep", () => {
  it("counts tasks without expanding them", () => {
    expect(taskFactoryCount(aSweep(100_000))).toBe(100_000);
    expect(
      taskFactoryCount(
        sweep(
          [
            { name: "a", start: 0, end: 9, step: 3 },
            { name: "b", start: -2, end: 2 },
          ],
          "t-{a}-{b}",
        ),
      ),
    ).toBe(4 * 5);
  });

  it("fills id, command line and file templates, with zero padding, first parameter slowest", () => {
    const factory: TaskFactory = {
      parametricSweep: {
        parameters: [
          { name: "a", start: 1, end: 2 },
          { name: "b", start: 0, end: 20, step: 10 },
        ],
        taskTemplate: {
          id: "t{a:03}-{b}",
          commandLine: "sim --a {a} --b {b} --out ${AZ_BATCH_TASK_WORKING_DIR}/{unknown}",
          resourceFiles: [{ httpUrl: "https://x.blob.core.windows.net/in/{a}.dat", filePath: "in-{b}.dat" }],
        },
      },
    };
    const tasks = [...expandTaskFactory(factory)];
    expect(tasks.map((t) => t.id)).toEqual(["t001-0", "t001-10", "t001-20", "t002-0", "t002-10", "t002-20"]);
    expect(tasks[4]?.commandLine).toBe("sim --a 2 --b 10 --out ${AZ_BATCH_TASK_WORKING_DIR}/{unknown}");
    expect(tasks[4]?.resourceFiles).toEqual([{ httpUrl: "https://x.blob.core.windows.net/in/2.dat", filePath: "in-10.dat" }]);
  });

  it("streams lazily: the first tasks of a 10^12-task sweep come back at once", () => {
    const huge = sweep(
      [
        { name: "a", start: 0, end: 999_999 },
        { name: "b", start: 0, end: 999_999 },
      ],
      "t-{a}-{b}",
    );
    const iterator = expandTaskFactory(huge);
    expect(iterator.next().value?.id).toBe("t-0-0");
    expect(iterator.next().value?.id).toBe("t-0-1");
  });

  it("resumes at an index and agrees with taskAt", () => {
    const factory = aSweep(100_000);
    const resumed = expandTaskFactory(factory, { fromIndex: 99_998 });
    expect([...resumed].map((t) => t.id)).toEqual(["task-99998", "task-99999"]);
    expect(taskAt(factory, 12_345)?.commandLine).toBe("python sim.py --seed 12345");
    expect(taskAt(factory, 100_000)).toBeUndefined();
  });

  it("produces 100,000 distinct valid ids", () => {
    const ids = new Set<string>();
    for (const task of expandTaskFactory(aSweep(100_000))) ids.add(task.id.toLowerCase());
    expect(ids.size).toBe(100_000);
  });

  it("flags id templates that would repeat, collide, overflow or hold invalid characters", () => {
    const rulesOf = (f: TaskFactory): string[] => checkTaskFactory(f, "spec.taskFactory").map((p) => p.rule);
    const ab = [
      { name: "a", start: 0, end: 20 },
      { name: "b", start: 0, end: 20 },
    ];
    expect(rulesOf(sweep(ab, "t-{a}-{b}"))).toEqual([]);
    expect(rulesOf(sweep(ab, "t-{a}"))).toEqual(["task-id-unique"]);
    expect(rulesOf(sweep(ab, "t-{a}{b}"))).toEqual(["task-id-unique"]);
    expect(rulesOf(sweep(ab, "t.{a}-{b}"))).toEqual(["task-id-format"]);
    expect(rulesOf(sweep(ab, `${"x".repeat(60)}-{a}-{b}`))).toEqual(["task-id-format"]);
    expect(rulesOf(sweep([{ name: "a", start: 0, end: 2_000_000 }], "t{a}", "run {a}"))).toEqual(["task-factory-too-large"]);
  });

  it("refuses a placeholder that names no parameter ({seeed}), anywhere in the template, and keeps shell ${...} and escaped {{...}} literal", () => {
    const params = [{ name: "seed", start: 1, end: 3 }];
    const typo: TaskFactory = {
      parametricSweep: {
        parameters: params,
        taskTemplate: { id: "t-{seed}", commandLine: "run --seed {seeed}", environmentSettings: [{ name: "S", value: "{sed}" }] },
      },
    };
    const problems = checkTaskFactory(typo, "spec.taskFactory");
    expect(problems.map((p) => [p.rule, p.path])).toEqual([
      ["unknown-placeholder", "spec.taskFactory.parametricSweep.taskTemplate.commandLine"],
      ["unknown-placeholder", "spec.taskFactory.parametricSweep.taskTemplate.environmentSettings[0].value"],
    ]);
    expect(problems[0]?.message).toContain("{seeed} is not a sweep parameter (parameters: {seed})");
    const literal: TaskFactory = {
      parametricSweep: { parameters: params, taskTemplate: { id: "t-{seed}", commandLine: "awk '{{print}}' ${HOME}/in-{seed}" } },
    };
    expect(checkTaskFactory(literal, "spec.taskFactory")).toEqual([]);
    expect([...expandTaskFactory(literal)].map((t) => t.commandLine)).toEqual([
      "awk '{print}' ${HOME}/in-1",
      "awk '{print}' ${HOME}/in-2",
      "awk '{print}' ${HOME}/in-3",
    ]);
  });
});
