/**
 * The reasons in docs/status.md are the registry (controller/core/reasons.ts), no more, no less,
 * each documented as reported the way the registry says, and each used by the controller's code.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { REASON_REGISTRY, type Reason } from "../../../controller/core/reasons.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const DOC = readFileSync(join(ROOT, "docs/status.md"), "utf8");

function documentedReasons(): Map<string, string> {
  const section = DOC.slice(DOC.indexOf("## Reasons"), DOC.indexOf("## One status shape"));
  return new Map([...section.matchAll(/^\| `([A-Za-z]+)` \| ([a-z]+) \|/gm)].map((m) => [m[1] ?? "", m[2] ?? ""]));
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith(".ts") ? [path] : [];
  });
}

describe("reasons", () => {
  const documented = documentedReasons();
  const registry = Object.keys(REASON_REGISTRY) as Reason[];

  it("docs/status.md documents exactly the registry's reasons, reported as the registry says", () => {
    expect([...documented.keys()].sort()).toEqual([...registry].sort());
    for (const reason of registry) expect(documented.get(reason), reason).toBe(REASON_REGISTRY[reason].report);
  });

  it("every registered reason is used by the controller (Reasons.X), not only declared", () => {
    const code = sourceFiles(join(ROOT, "controller"))
      .filter((f) => !f.endsWith(join("core", "reasons.ts")))
      .map((f) => readFileSync(f, "utf8"))
      .join("\n");
    const unused = registry.filter((reason) => !new RegExp(`Reasons\\.${reason}\\b`).test(code));
    expect(unused).toEqual([]);
  });
});
