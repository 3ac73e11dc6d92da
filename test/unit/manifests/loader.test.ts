import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { generationOf, loadManifests, parseManifestText } from "../../../controller/manifests/index.js";
import { aJob, aPool } from "../../helpers/resources.js";
import { repoRoot } from "../../helpers/crds.js";

const invalidDir = join(repoRoot, "manifests", "invalid");
const located = (p: { file: string; line: number; rule: string; path: string }): string =>
  `${p.file.slice(invalidDir.length + 1)}:${p.line} ${p.rule} ${p.path}`;

describe("loadManifests on manifests/invalid: every problem class, located", () => {
  it.each([
    ["yaml-syntax.yaml:8 yaml-syntax spec.vmSize[0]"],
    ["unknown-field.yaml:16 unknown-field spec.scale.fixed.targetDedicatedNode"],
    ["wrong-type.yaml:16 wrong-type spec.scale.fixed.targetDedicatedNodes"],
    ["invalid-value.yaml:17 invalid-value spec.scale.fixed.resizeTimeoutSeconds"],
    ["invalid-value.yaml:18 invalid-value spec.driftPolicy"],
    ["missing-field.yaml:6 missing-field spec.nodeAgentSkuId"],
    ["wrong-api-version.yaml:2 invalid-value apiVersion"],
    ["scale-both.yaml:14 pool-scale-exactly-one spec.scale"],
    ["image-both.yaml:8 pool-image-exactly-one spec.image"],
    ["duplicate-name.yaml:21 duplicate-name metadata.name"],
    ["missing-pool.yaml:8 missing-pool spec.poolRef.name"],
    ["batch-id-collision.yaml:31 batch-id-unique spec.adopt.jobId"],
    ["container-settings-pool.yaml:25 container-settings-pool spec.tasks[1].containerSettings"],
    ["container-settings-pool.yaml:52 container-settings-pool spec.taskFactory.parametricSweep.taskTemplate"],
    ["batch-id-collision.yaml:51 batch-id-unique metadata.name"],
    ["task-ids.yaml:27 invalid-value spec.tasks[0].id"],
    ["task-ids.yaml:31 task-id-unique spec.tasks[2].id"],
    ["task-ids.yaml:51 task-id-unique spec.taskFactory.parametricSweep.taskTemplate.id"],
  ])("%s", async (expected) => {
    const { problems } = await loadManifests(invalidDir);
    expect(problems.map(located)).toContain(expected);
  });

  it("names the resource of each problem and still loads the valid resources of the directory", async () => {
    const { problems, resources, rejected } = await loadManifests(invalidDir);
    const duplicate = problems.find((p) => p.rule === "duplicate-name" && p.file.endsWith("/duplicate-name.yaml"));
    expect(duplicate).toMatchObject({ kind: "BatchPool", namespace: "default", name: "twice" });
    expect(duplicate?.message).toContain("duplicate-name.yaml:2");
    const keys = resources.map((r) => r.key);
    expect(keys).toContain("BatchPool/default/tasks-pool");
    expect(keys).toContain("BatchJob/default/orphan-job"); // valid itself; waits for its pool
    expect(keys).not.toContain("BatchPool/default/twice");
    expect(rejected.map((r) => r.key)).toEqual(
      expect.arrayContaining(["BatchPool/default/twice", "BatchPool/default/wrong-type", "BatchJob/default/bad-task-ids"]),
    );
    expect(keys).not.toContain("ConfigMap/default/unrelated");
  });
});

describe("loadManifests on a directory tree", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "bg-loader-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads nested directories and multi-document files, defaults the namespace, ignores other kinds and hidden dirs", async () => {
    await mkdir(join(dir, "team", "nested"), { recursive: true });
    await mkdir(join(dir, ".git"));
    const pool = aPool({ name: "p1" }).build();
    delete (pool.metadata as { namespace?: string }).namespace;
    const text = [
      stringify({ apiVersion: "v1", kind: "Secret", metadata: { name: "s" } }),
      stringify(pool),
      stringify(aJob({ name: "j1" }, { poolRef: { name: "p1" } }).build()),
    ].join("---\n");
    await writeFile(join(dir, "team", "nested", "all.yml"), text);
    // Each resource is located at its document's first line.
    const docLines = text.split("\n").flatMap((line, i) => (line.startsWith("apiVersion: azurebatch") ? [i + 1] : []));
    await writeFile(join(dir, ".git", "ignored.yaml"), stringify(aPool({ name: "hidden" }).build()));
    await writeFile(join(dir, "notes.txt"), "not yaml");
    const { resources, problems } = await loadManifests(dir);
    expect(problems).toEqual([]);
    expect(resources.map((r) => [r.key, r.source.line])).toEqual([
      ["BatchPool/default/p1", docLines[0]],
      ["BatchJob/default/j1", docLines[1]],
    ]);
    expect(resources[0]?.resource.metadata.namespace).toBe("default");
    expect(resources[0]?.source.file).toBe(join(dir, "team", "nested", "all.yml"));
  });

  it("loads nothing of a file with a YAML error in a later document (as run does: a half-saved file applies nothing)", async () => {
    const good = stringify(aPool({ name: "good" }).build());
    await writeFile(
      join(dir, "mixed.yaml"),
      `${good}---\nkind: BatchPool\nspec: [unclosed\n---\n${stringify(aPool({ name: "also-good" }).build())}`,
    );
    await writeFile(join(dir, "other.yaml"), stringify(aPool({ name: "other" }).build()));
    const { resources, problems, rejected } = await loadManifests(dir);
    expect(resources.map((r) => r.name)).toEqual(["other"]);
    expect(rejected.map((r) => r.key)).toEqual(["BatchPool/default/good", "BatchPool/default/also-good"]);
    expect(problems.map((p) => [p.rule, p.file, p.line])).toEqual([["yaml-syntax", join(dir, "mixed.yaml"), expect.any(Number)]]);
  });

  it("reads .json manifests as kubectl does, locating their problems by line", async () => {
    const pool = aPool({ name: "from-json" }).build();
    await writeFile(join(dir, "pool.json"), JSON.stringify(pool, null, 2));
    const job = aJob({ name: "bad-json" }, { poolRef: { name: "from-json" } }).build();
    await writeFile(join(dir, "job.json"), JSON.stringify({ ...job, spec: { ...job.spec, colour: "red" } }, null, 2));
    await writeFile(join(dir, "package.json"), JSON.stringify({ name: "not-a-manifest", version: "1.0.0" }));
    const { resources, problems } = await loadManifests(dir);
    expect(resources.map((r) => r.key)).toEqual(["BatchPool/default/from-json"]);
    const line = JSON.stringify({ ...job, spec: { ...job.spec, colour: "red" } }, null, 2)
      .split("\n")
      .findIndex((l) => l.includes('"colour"'));
    expect(problems.map((p) => `${p.file.slice(dir.length + 1)}:${p.line} ${p.rule} ${p.path}`)).toEqual([
      `job.json:${line + 1} unknown-field spec.colour`,
    ]);
  });

  it("reads each item of a kind: List as kubectl does; a problem names its item's resource and line", async () => {
    const list = {
      apiVersion: "v1",
      kind: "List",
      items: [
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "other" } },
        aPool({ name: "listed" }).build(),
        { ...aJob({ name: "typo" }, { poolRef: { name: "listed" } }).build(), status: undefined },
      ],
    };
    const job = list.items[2] as { spec: Record<string, unknown> };
    job.spec = { ...job.spec, colour: "red" };
    const text = stringify(list);
    await writeFile(join(dir, "list.yaml"), text);
    const lineOf = (needle: string): number => text.split("\n").findIndex((l) => l.includes(needle)) + 1;
    const { resources, rejected, problems } = await loadManifests(dir);
    expect(resources.map((r) => [r.key, r.source.line])).toEqual([["BatchPool/default/listed", lineOf("- apiVersion: azurebatch")]]);
    expect(rejected.map((r) => r.key)).toEqual(["BatchJob/default/typo"]);
    expect(problems.map((p) => `${p.line} ${p.kind}/${p.name} ${p.rule} ${p.path}`)).toEqual([
      `${lineOf("colour:")} BatchJob/typo unknown-field spec.colour`,
    ]);
  });

  it("still names the items of a List whose YAML is broken, so they are rejected and never pruned", async () => {
    const text = `apiVersion: v1\nkind: List\nitems:\n  - ${stringify(aPool({ name: "kept" }).build())
      .trimEnd()
      .replace(/\n/g, "\n    ")}\n    extra: [unclosed\n`;
    await writeFile(join(dir, "list.yaml"), text);
    const { resources, rejected, problems } = await loadManifests(dir);
    expect(resources).toEqual([]);
    expect(rejected.map((r) => r.key)).toEqual(["BatchPool/default/kept"]);
    expect(problems.map((p) => p.rule)).toContain("yaml-syntax");
  });

  it("loads a single file given instead of a directory", async () => {
    await writeFile(join(dir, "one.yaml"), stringify(aPool({ name: "solo" }).build()));
    const { resources } = await loadManifests(join(dir, "one.yaml"));
    expect(resources.map((r) => r.key)).toEqual(["BatchPool/default/solo"]);
  });

  it("reads YAML merge keys as kubectl does: the anchor's fields, with the keys written beside `<<` winning", async () => {
    const pool = (name: string, spec: string): string =>
      `apiVersion: azurebatch.gitops.dev/v1alpha1\nkind: BatchPool\nmetadata: {name: ${name}}\nspec:\n${spec}`;
    const text = [
      pool(
        "merged",
        "  <<: &defaults {vmSize: standard_d2s_v3, nodeAgentSkuId: batch.node.ubuntu 20.04}\n" +
          "  nodeAgentSkuId: batch.node.ubuntu 22.04\n" +
          '  image: {marketplace: {publisher: microsoft-dsvm, offer: ubuntu-hpc, sku: "2204"}}\n' +
          "  scale: {fixed: {targetDedicatedNodes: 1}}\n",
      ),
    ].join("---\n");
    await writeFile(join(dir, "merge.yaml"), text);
    const { resources, problems } = await loadManifests(dir);
    expect(problems).toEqual([]);
    const spec = resources[0]?.resource.spec;
    expect(spec).toMatchObject({ vmSize: "standard_d2s_v3", nodeAgentSkuId: "batch.node.ubuntu 22.04" });
    expect(Object.keys(spec ?? {})).not.toContain("<<");
  });

  it("names the merge key `<<` in the path of a problem under it", async () => {
    const text = "apiVersion: azurebatch.gitops.dev/v1alpha1\nkind: BatchPool\nmetadata: {name: p}\nspec:\n  <<: *undefinedAnchor\n";
    await writeFile(join(dir, "merge.yaml"), text);
    const { problems } = await loadManifests(dir);
    expect(problems.map((p) => `${p.line} ${p.rule} ${p.path}`)).toEqual(["5 yaml-alias spec.<<"]);
  });

  it("reports a missing directory as a problem instead of throwing", async () => {
    const { resources, problems } = await loadManifests(join(dir, "absent"));
    expect(resources).toEqual([]);
    expect(problems.map((p) => p.rule)).toEqual(["read-error"]);
  });
});

describe("generation of file-based resources", () => {
  const generationOfText = (text: string): number | undefined => {
    const candidate = parseManifestText(text, "x.yaml").candidates[0];
    return candidate?.valid === true ? generationOf(candidate.object.spec) : undefined;
  };

  it("is stable under key order and changes with the spec", () => {
    const pool = aPool().build();
    const reordered = { ...pool, spec: Object.fromEntries(Object.entries(pool.spec).reverse()) };
    const resized = aPool()
      .withScale({ fixed: { targetDedicatedNodes: 3 } })
      .build();
    const original = generationOfText(stringify(pool));
    expect(original).toBeGreaterThan(0);
    expect(generationOfText(stringify(reordered))).toBe(original);
    expect(generationOfText(stringify(resized))).not.toBe(original);
  });

  it("is what the loaded resource carries in metadata.generation", async () => {
    const dir = await mkdtemp(join(tmpdir(), "bg-gen-"));
    try {
      await writeFile(join(dir, "p.yaml"), stringify(aPool().build()));
      const [loaded] = (await loadManifests(dir)).resources;
      expect(loaded?.resource.metadata.generation).toBe(loaded?.generation);
      expect(loaded?.generation).toBe(generationOfText(stringify(aPool().build())));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
