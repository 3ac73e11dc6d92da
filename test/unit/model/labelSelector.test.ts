import { describe, expect, it } from "vitest";
import { labelSelectorProblem } from "../../../controller/model/labelSelector.js";
import { parseRunConfig } from "../../../controller/config/runConfig.js";
import { SELECTOR_CASES } from "../../helpers/labelSelectorCases.js";

describe("label selectors, as kube-apiserver parses them", () => {
  it.each(SELECTOR_CASES)("%s: valid %s", (selector, valid) => {
    expect(labelSelectorProblem(selector) === undefined, labelSelectorProblem(selector)).toBe(valid);
  });

  it("names the part that is wrong", () => {
    expect(labelSelectorProblem("tier in (gpu),-shard=a")).toBe(
      `key "-shard": name part must consist of alphanumeric characters, '-', '_' or '.', and start and end with an alphanumeric character`,
    );
    expect(labelSelectorProblem("tier in (gpu,-x)")).toBe(
      `value "-x": must be empty or consist of alphanumeric characters, '-', '_' or '.', and start and end with an alphanumeric character`,
    );
  });

  it("refuses a bad --label-selector before the controller starts, saying why", () => {
    const ctx = { env: {}, cwd: "/", stdoutIsTTY: false };
    expect(() => parseRunConfig(["--source", "kubernetes", "--label-selector", "shard=a,"], ctx)).toThrow(
      '--label-selector "shard=a," is not a label selector: a requirement is empty (two commas in a row, or one at an end) (e.g. shard=a or tier in (gpu))',
    );
    expect(parseRunConfig(["--source", "kubernetes", "--label-selector", "tier in (gpu), shard!=b"], ctx).source).toMatchObject({
      labelSelector: "tier in (gpu), shard!=b",
    });
  });
});
