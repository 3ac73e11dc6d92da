import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { createLoaderParser } from "../../controller/directory/loaderParser.js";
import { aPool } from "../helpers/resources.js";

const loaderParser = createLoaderParser({ authMode: "shared-key" });
const yamlOf = (...docs: unknown[]): string => docs.map((d) => stringify(d)).join("---\n");

describe("loader parser (directory source ↔ manifests loader)", () => {
  it("returns each valid resource with its spec and a content-derived generation", () => {
    const pool = aPool({ name: "render", namespace: "vfx" }).build();
    const result = loaderParser("pools/render.yaml", yamlOf(pool));
    expect(result.readable).toBe(true);
    expect(result.problems.filter((p) => p.severity === "error")).toEqual([]);
    expect(result.documents).toEqual([
      {
        kind: "BatchPool",
        namespace: "vfx",
        name: "render",
        spec: pool.spec,
        valid: true,
        generation: expect.any(Number),
        accountRef: undefined,
        line: 1,
        // The lines cross-resource rules may name, found while the YAML is at hand (the index keeps no documents).
        lines: expect.objectContaining({ "metadata.name": expect.any(Number) }),
      },
    ]);
    const rescaled = aPool({ name: "render", namespace: "vfx" })
      .withScale({ fixed: { targetDedicatedNodes: 9 } })
      .build();
    expect(loaderParser("f", yamlOf(rescaled)).documents[0]?.generation).not.toBe(result.documents[0]?.generation);
  });

  it("marks an invalid document invalid and keys its error, so the engine stalls only that resource", () => {
    const good = aPool({ name: "good" }).build();
    const bad = aPool({ name: "bad" }).withSpec({ vmSize: "" }).build();
    const result = loaderParser("pools.yaml", yamlOf(good, bad));
    expect(result.documents.map((d) => [d.name, d.valid])).toEqual([
      ["good", true],
      ["bad", false],
    ]);
    const errors = result.problems.filter((p) => p.severity === "error");
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((p) => p.key === "BatchPool/default/bad" && p.file === "pools.yaml" && typeof p.line === "number")).toBe(true);
  });

  it("treats a YAML syntax error anywhere as an unreadable file", () => {
    const result = loaderParser("half.yaml", `${yamlOf(aPool({ name: "a" }).build())}---\nspec: [unclosed\n`);
    expect(result.readable).toBe(false);
    expect(result.problems).toContainEqual(expect.objectContaining({ rule: "yaml-syntax", file: "half.yaml" }));
  });

  it("ignores documents of other kinds", () => {
    const result = loaderParser("mixed.yaml", yamlOf({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" } }));
    expect(result).toEqual({ readable: true, documents: [], problems: [] });
  });

  it("applies the Azure Batch rules for the auth mode: gallery images need Entra ID", () => {
    const gallery = aPool({ name: "gallery" })
      .withImage({
        virtualMachineImageId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/i/versions/1.0.0",
      })
      .build();
    const underSharedKey = loaderParser("g.yaml", yamlOf(gallery));
    expect(underSharedKey.documents[0]?.valid).toBe(false);
    expect(underSharedKey.problems.some((p) => p.key === "BatchPool/default/gallery" && p.severity === "error")).toBe(true);
    expect(createLoaderParser({ authMode: "entra" })("g.yaml", yamlOf(gallery)).documents[0]?.valid).toBe(true);
  });
});
