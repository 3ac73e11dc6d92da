import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderApiDocs } from "../../../controller/model/apiDocs.js";

const committed = (): string => readFileSync(join(import.meta.dirname, "..", "..", "..", "docs", "api.md"), "utf8");

describe("docs/api.md", () => {
  it("is up to date with controller/model (run `npm run gen:docs` after changing the model)", () => {
    expect(committed()).toBe(renderApiDocs());
  });

  it("documents every spec field a user writes, with its constraints", () => {
    const text = renderApiDocs();
    expect(text).toContain("## BatchPool (`bpool`)");
    expect(text).toContain("## BatchJob (`bjob`)");
    expect(text).toMatch(/\| `scale\.fixed\.targetDedicatedNodes` \| integer \|/);
    expect(text).toMatch(/\| `taskFactory\.parametricSweep\.parameters\[\]\.name` \| string \| yes \|/);
  });
});
