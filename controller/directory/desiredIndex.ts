import { isDeepStrictEqual } from "node:util";
import { resourceKey, type DesiredResource, type Problem, type ResourceKey } from "../runtime/ports.js";
import type { FileParseResult, ParsedDocument } from "./manifestParser.js";
import {
  accountMismatchProblems,
  batchIdProblems,
  containerMismatchProblems,
  missingAccountMessage,
  missingPoolMessage,
} from "../manifests/index.js";
import type { Problem as ModelProblem } from "../model/index.js";

interface LastGood {
  spec: unknown;
  revision: string | undefined;
  generation: number | undefined;
}

interface FileEntry {
  /** Last good resource per key defined in this file. */
  readonly resources: ReadonlyMap<ResourceKey, LastGood>;
  readonly problems: readonly Problem[];
  /** Pools defined in this file, valid or not (a job naming one is not "missing a pool"). */
  readonly poolKeys: ReadonlySet<ResourceKey>;
  /** Valid jobs' poolRefs, checked against every file's pools. */
  readonly poolRefs: readonly { key: ResourceKey; namespace: string; name: string; line: number }[];
  /** BatchAccounts defined in this file, valid or not. */
  readonly accountKeys: ReadonlySet<ResourceKey>;
  /** Valid pools' and jobs' accountRefs, checked against every file's accounts. */
  readonly accountRefs: readonly { key: ResourceKey; namespace: string; name: string; line: number }[];
  /** The file's latest read could not be parsed as a whole: what it declares now is unknown. */
  readonly unreadable: boolean;
  /** Valid documents, for the rules across resources that validate also runs (batch-id-unique, container-settings-pool). */
  readonly crossDocs: readonly CrossDoc[];
}

interface CrossDoc {
  readonly key: ResourceKey;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly spec: unknown;
  readonly file: string;
  readonly line: number;
  readonly lines: Readonly<Record<string, number>>;
}

/**
 * The desired state of a directory: which file defines which resource, with the rules that keep
 * a bad edit from destroying anything:
 * - a file that cannot be parsed keeps the last good version of its resources (and reports why);
 * - an invalid document keeps the last good version of its resource, and the problem carries the
 *   resource key, so the engine marks it Stalled and makes no Batch write for it;
 * - a removed file or document removes its resources (the engine prunes them if owned);
 * - a resource defined in two files is a problem on that key (no writes until it is fixed).
 * Generations are content-derived: a key's generation moves when its spec changes.
 */
export class DesiredIndex {
  readonly #files = new Map<string, FileEntry>();
  #resources = new Map<ResourceKey, DesiredResource>();
  #problems: readonly Problem[] = [];
  #problemsByKey = new Map<ResourceKey, Problem[]>();
  readonly #generations = new Map<ResourceKey, { spec: unknown; generation: number }>();

  /** Applies new parse results (file → result, undefined = file removed); returns the keys that changed. */
  update(changes: ReadonlyMap<string, FileParseResult | undefined>, revision?: string): ResourceKey[] {
    for (const [file, result] of changes) {
      if (result === undefined) {
        this.#files.delete(file);
      } else {
        this.#files.set(file, mergeFile(file, this.#files.get(file), result, revision));
      }
    }
    return this.#rebuild();
  }

  get(key: ResourceKey): DesiredResource | undefined {
    return this.#resources.get(key);
  }

  keys(): ResourceKey[] {
    return [...this.#resources.keys()].sort();
  }

  problems(): Problem[] {
    return [...this.#problems];
  }

  problemsFor(key: ResourceKey): readonly Problem[] {
    return this.#problemsByKey.get(key) ?? [];
  }

  files(): string[] {
    return [...this.#files.keys()];
  }

  /** Files whose latest version could not be read or parsed as a whole (they keep their last good resources). */
  unreadableFiles(): string[] {
    return [...this.#files].filter(([, entry]) => entry.unreadable).map(([file]) => file);
  }

  #rebuild(): ResourceKey[] {
    const previous = this.#resources;
    const previousProblems = problemKeys(this.#problems);
    const next = new Map<ResourceKey, DesiredResource>();
    const problems: Problem[] = [];
    for (const file of [...this.#files.keys()].sort()) {
      const entry = this.#files.get(file);
      problems.push(...(entry?.problems ?? []));
      for (const [key, good] of entry?.resources ?? []) {
        const existing = next.get(key);
        if (existing !== undefined) {
          problems.push(duplicateProblem(key, file, existing.source.location ?? "?"));
          continue;
        }
        next.set(key, this.#resource(key, good, file));
      }
    }
    problems.push(...this.#missingPoolProblems(), ...this.#missingAccountProblems(), ...this.#crossResourceProblems(next));
    this.#resources = next;
    this.#problems = problems;
    this.#problemsByKey = groupByKey(problems);
    return changedKeys(previous, next, previousProblems, problemKeys(problems));
  }

  /**
   * The same check as validate's: a job's poolRef names a pool defined in the directory. Reported
   * without the job's key, so the job is not stalled by it: its status says it waits for the pool.
   */
  #missingPoolProblems(): Problem[] {
    const pools = new Set<ResourceKey>();
    for (const entry of this.#files.values()) for (const key of entry.poolKeys) pools.add(key);
    const problems: Problem[] = [];
    for (const [file, entry] of this.#files) {
      for (const ref of entry.poolRefs) {
        if (pools.has(resourceKey("BatchPool", ref.namespace, ref.name))) continue;
        const message = missingPoolMessage(ref.namespace, ref.name);
        problems.push({
          severity: "error",
          message: `${ref.key}: ${message}`,
          file,
          line: ref.line,
          path: "spec.poolRef.name",
          rule: "missing-pool",
        });
      }
    }
    return problems;
  }

  /**
   * validate's check: an accountRef names a BatchAccount defined in the directory. Keyed: the
   * resource cannot be placed in any account, so it is stalled (AccountNotFound) and nothing is written.
   */
  #missingAccountProblems(): Problem[] {
    const accounts = this.#accountKeys();
    const problems: Problem[] = [];
    for (const [file, entry] of this.#files) {
      for (const ref of entry.accountRefs) {
        if (accounts.has(resourceKey("BatchAccount", ref.namespace, ref.name))) continue;
        const message = missingAccountMessage(ref.namespace, ref.name);
        problems.push({
          severity: "error",
          key: ref.key,
          message,
          file,
          line: ref.line,
          path: "spec.accountRef.name",
          rule: "missing-account",
        });
      }
    }
    return problems;
  }

  /** validate's rules across resources (manifests/batchIdCollisions.ts, containerMatch.ts, accountMismatch.ts), over the applied documents in file order. */
  #crossResourceProblems(applied: ReadonlyMap<ResourceKey, DesiredResource>): Problem[] {
    const docs = [...this.#files.keys()]
      .sort()
      .flatMap((file) => this.#files.get(file)?.crossDocs ?? [])
      .filter((doc) => applied.get(doc.key)?.source.location === doc.file);
    const candidates = docs.map((doc) => ({ ...doc, object: { spec: doc.spec }, valid: true, source: { file: doc.file, line: doc.line } }));
    const keys = new Map<ModelProblem, ResourceKey>();
    const locate = (c: (typeof candidates)[number], rule: string, path: string, message: string): ModelProblem => {
      const problem: ModelProblem = { severity: "error", rule, file: c.file, line: c.lines[path] ?? c.line, path, message };
      keys.set(problem, c.key);
      return problem;
    };
    const accounts = this.#accountKeys();
    const declared = (namespace: string, name: string): boolean => accounts.has(resourceKey("BatchAccount", namespace, name));
    return [
      ...containerMismatchProblems(candidates, locate),
      ...batchIdProblems(candidates, locate),
      ...accountMismatchProblems(candidates, locate, declared),
    ].map((p) => ({
      severity: "error",
      key: keys.get(p),
      message: p.message,
      file: p.file,
      line: p.line,
      path: p.path,
      rule: p.rule,
    }));
  }

  /** Every BatchAccount the directory declares, valid or not. */
  #accountKeys(): Set<ResourceKey> {
    const accounts = new Set<ResourceKey>();
    for (const entry of this.#files.values()) for (const key of entry.accountKeys) accounts.add(key);
    return accounts;
  }

  #resource(key: ResourceKey, good: LastGood, file: string): DesiredResource {
    const [kind, namespace, name] = key.split("/") as [DesiredResource["kind"], string, string];
    const { spec, revision } = good;
    const known = this.#generations.get(key);
    let generation = good.generation ?? known?.generation ?? 1;
    if (good.generation === undefined && known !== undefined && !isDeepStrictEqual(known.spec, spec)) {
      generation += 1;
    }
    this.#generations.set(key, { spec, generation });
    const source = revision === undefined ? { location: file } : { location: file, revision };
    return { kind, namespace, name, generation, spec, source };
  }
}

function mergeFile(file: string, previous: FileEntry | undefined, result: FileParseResult, revision: string | undefined): FileEntry {
  const problems = result.problems.map((p) => ({ ...p, file: p.file ?? file }));
  if (!result.readable) return keepLastGood(file, previous, result, problems);
  const resources = new Map<ResourceKey, LastGood>();
  for (const doc of result.documents) {
    const key = keyOf(doc);
    const good = lastGood(doc, previous?.resources.get(key), revision);
    // A key twice in one file is invalid (the loader marks both copies): neither replaces the other.
    if (good !== undefined && !(resources.has(key) && !doc.valid)) {
      resources.set(key, good);
    }
  }
  const poolKeys = new Set(result.documents.filter((d) => d.kind === "BatchPool").map(keyOf));
  const poolRefs = result.documents.flatMap((d) =>
    d.valid && d.poolRef !== undefined ? [{ key: keyOf(d), namespace: d.namespace, name: d.poolRef.name, line: d.poolRef.line }] : [],
  );
  const accountKeys = new Set(result.documents.filter((d) => d.kind === "BatchAccount").map(keyOf));
  const accountRefs = result.documents.flatMap((d) =>
    d.valid && d.accountRef !== undefined
      ? [{ key: keyOf(d), namespace: d.namespace, name: d.accountRef.name, line: d.accountRef.line }]
      : [],
  );
  const crossDocs = result.documents.flatMap((d) =>
    d.valid && d.line !== undefined && d.lines !== undefined
      ? [{ key: keyOf(d), kind: d.kind, namespace: d.namespace, name: d.name, spec: d.spec, file, line: d.line, lines: d.lines }]
      : [],
  );
  return {
    resources,
    problems: withKeyProblems(result.documents, problems, file),
    poolKeys,
    poolRefs,
    accountKeys,
    accountRefs,
    unreadable: false,
    crossDocs,
  };
}

/** A half-written or broken file must not prune: everything it defined before stays. */
function keepLastGood(file: string, previous: FileEntry | undefined, result: FileParseResult, problems: Problem[]): FileEntry {
  const last = previous ?? EMPTY_ENTRY;
  const ofKind = (kind: string): ResourceKey[] => result.documents.filter((d) => d.kind === kind).map(keyOf);
  return {
    resources: last.resources,
    problems: withKeyProblems(result.documents, problems, file),
    poolKeys: new Set([...last.poolKeys, ...ofKind("BatchPool")]),
    poolRefs: last.poolRefs,
    accountKeys: new Set([...last.accountKeys, ...ofKind("BatchAccount")]),
    accountRefs: last.accountRefs,
    unreadable: true,
    crossDocs: last.crossDocs,
  };
}

const EMPTY_ENTRY: FileEntry = {
  resources: new Map(),
  problems: [],
  poolKeys: new Set(),
  poolRefs: [],
  accountKeys: new Set(),
  accountRefs: [],
  unreadable: false,
  crossDocs: [],
};

/** Every invalid document carries at least one problem with its key (so the engine stalls it). */
function withKeyProblems(documents: readonly ParsedDocument[], problems: Problem[], file: string): Problem[] {
  const keyed = new Set(problems.flatMap((p) => (p.key === undefined ? [] : [p.key])));
  for (const doc of documents) {
    const key = keyOf(doc);
    if (doc.valid || keyed.has(key)) continue;
    keyed.add(key);
    problems.push({ severity: "error", message: `${key} is invalid`, key, file, rule: "InvalidManifest" });
  }
  return problems;
}

/** A valid document's spec, or for an invalid one the version it replaced (if any). */
function lastGood(doc: ParsedDocument, before: LastGood | undefined, revision: string | undefined): LastGood | undefined {
  if (!doc.valid) {
    return before;
  }
  // An unchanged spec keeps the revision it was first read at: "applied from" that commit.
  const unchanged = before !== undefined && isDeepStrictEqual(before.spec, doc.spec);
  return { spec: doc.spec, revision: unchanged ? before.revision : revision, generation: doc.generation };
}

function keyOf(doc: ParsedDocument): ResourceKey {
  return resourceKey(doc.kind, doc.namespace, doc.name);
}

function duplicateProblem(key: ResourceKey, file: string, firstFile: string): Problem {
  return {
    severity: "error",
    key,
    file,
    rule: "duplicate-name",
    path: "metadata.name",
    message: `${key} is defined in both ${firstFile} and ${file}; names must be unique per kind and namespace (no Batch changes until one is removed)`,
  };
}

function groupByKey(problems: readonly Problem[]): Map<ResourceKey, Problem[]> {
  const byKey = new Map<ResourceKey, Problem[]>();
  for (const p of problems) {
    if (p.key === undefined) continue;
    const list = byKey.get(p.key);
    if (list === undefined) byKey.set(p.key, [p]);
    else list.push(p);
  }
  return byKey;
}

function problemKeys(problems: readonly Problem[]): Map<ResourceKey, string> {
  const byKey = new Map<ResourceKey, string>();
  for (const p of problems) {
    if (p.key !== undefined) {
      byKey.set(p.key, `${byKey.get(p.key) ?? ""}${p.rule ?? ""}:${p.message}\n`);
    }
  }
  return byKey;
}

function changedKeys(
  before: ReadonlyMap<ResourceKey, DesiredResource>,
  after: ReadonlyMap<ResourceKey, DesiredResource>,
  problemsBefore: ReadonlyMap<ResourceKey, string>,
  problemsAfter: ReadonlyMap<ResourceKey, string>,
): ResourceKey[] {
  const all = new Set([...before.keys(), ...after.keys(), ...problemsBefore.keys(), ...problemsAfter.keys()]);
  return [...all]
    .filter((key) => !isDeepStrictEqual(before.get(key), after.get(key)) || problemsBefore.get(key) !== problemsAfter.get(key))
    .sort();
}
