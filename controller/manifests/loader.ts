/**
 * Loads BatchPool, BatchJob and BatchAccount manifests from a directory tree: every `.yaml`/`.yml`/`.json`
 * file (JSON is YAML), every document in it, every item of a `kind: List`. Other kinds are ignored (a manifests repo holds other things too). Each problem
 * is located by file, line, resource and field path, and never stops the valid resources loading.
 */
import { basename, dirname, join } from "node:path";
import type { Document, LineCounter } from "yaml";
import { ACCOUNT_KIND, API_VERSION, GROUP, JOB_KIND, POOL_KIND, validateResource } from "../model/index.js";
import type { BatchResource, FieldProblem, Kind, Problem } from "../model/index.js";
import { accountMismatchProblems, accountRefOf } from "./accountMismatch.js";
import { batchIdProblems } from "./batchIdCollisions.js";
import { containerMismatchProblems } from "./containerMatch.js";
import { generationOf } from "./generation.js";
import { lineOfPath } from "./locate.js";
import { listManifestFiles, nodeFs, readManifestFile, type EncodingProblem, type ManifestFs } from "./files.js";
import { isListTree, placePath, resourcePlaces, type TreePlace } from "./listItems.js";
import { pathAtOffset, readYamlDocuments, type YamlDocument, type YamlProblem } from "./yamlDocuments.js";

export const DEFAULT_NAMESPACE = "default";

export interface SourceLocation {
  readonly file: string;
  readonly line: number;
}

export interface LoadedResource {
  /** `Kind/namespace/name`, the work-queue key. */
  readonly key: string;
  readonly kind: Kind;
  readonly namespace: string;
  readonly name: string;
  /** Derived from the spec's content (see generation.ts); changes whenever the spec changes. */
  readonly generation: number;
  /** The validated resource, with metadata.namespace and metadata.generation filled in. */
  readonly resource: BatchResource;
  readonly source: SourceLocation;
}

/** A resource that is identifiable (kind, namespace, name) but failed to load. */
export interface RejectedResource {
  readonly key: string;
  readonly source: SourceLocation;
}

export interface LoadResult {
  readonly resources: LoadedResource[];
  readonly problems: Problem[];
  /**
   * Resources present in the files but invalid. A reconciler must not treat these as deleted:
   * a typo in a manifest should not tear down the pool it describes.
   */
  readonly rejected: RejectedResource[];
  /**
   * Files and directories whose content is unknown: they could not be listed, read or parsed as a
   * whole. While any exist, which resources were removed is unknown too, and nothing may be pruned.
   */
  readonly unread: string[];
}

/** One of our documents after parsing, valid or not, with a way to locate its fields. */
export interface Candidate {
  readonly kind: Kind;
  readonly namespace: string;
  readonly name: string | undefined;
  readonly source: SourceLocation;
  readonly object: Record<string, unknown>;
  readonly valid: boolean;
  readonly lineOf: (path: string) => number;
}

export function resourceKey(kind: string, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isOurs(value: unknown): value is Record<string, unknown> {
  return isRecord(value) && typeof value.apiVersion === "string" && value.apiVersion.startsWith(`${GROUP}/`);
}

function identify(object: Record<string, unknown>): { namespace: string; name: string | undefined } {
  const metadata = isRecord(object.metadata) ? object.metadata : {};
  const namespace = typeof metadata.namespace === "string" ? metadata.namespace : DEFAULT_NAMESPACE;
  return { namespace, name: typeof metadata.name === "string" ? metadata.name : undefined };
}

/** Problems that stop the document from being one of our resources at all (wrong version or kind). */
function identityProblems(object: Record<string, unknown>): FieldProblem[] {
  if (object.apiVersion !== API_VERSION) {
    return [
      {
        severity: "error",
        rule: "invalid-value",
        path: "apiVersion",
        message: `unsupported apiVersion "${String(object.apiVersion)}"; use ${API_VERSION}`,
      },
    ];
  }
  if (object.kind === undefined) {
    return [
      {
        severity: "error",
        rule: "missing-field",
        path: "kind",
        message: `required field "kind" is missing; use ${POOL_KIND}, ${JOB_KIND} or ${ACCOUNT_KIND}`,
      },
    ];
  }
  if (!isKind(object.kind)) {
    return [
      {
        severity: "error",
        rule: "invalid-value",
        path: "kind",
        message: `unknown kind "${String(object.kind)}" in ${GROUP}; use ${POOL_KIND}, ${JOB_KIND} or ${ACCOUNT_KIND}`,
      },
    ];
  }
  return [];
}

function isKind(kind: unknown): kind is Kind {
  return kind === POOL_KIND || kind === JOB_KIND || kind === ACCOUNT_KIND;
}

function withNamespace(object: Record<string, unknown>, namespace: string): Record<string, unknown> {
  const metadata = isRecord(object.metadata) ? { ...object.metadata, namespace } : object.metadata;
  return { ...object, metadata };
}

/** Extra checks run on each schema-valid resource; their errors block it like schema errors. */
export type ResourceCheck = (resource: BatchResource) => FieldProblem[];

export interface LoadOptions {
  /** e.g. the Batch-aware rules of controller/validation, bound to an auth mode. */
  readonly check?: ResourceCheck;
}

function problemsOf(object: Record<string, unknown>, identity: FieldProblem[], options: LoadOptions): FieldProblem[] {
  if (identity.length > 0) return identity;
  const schema = validateResource(object);
  if (schema.length > 0 || options.check === undefined) return schema;
  // Schema-valid: the object has the BatchResource shape the checks expect.
  return options.check(object as unknown as BatchResource);
}

export interface ParsedFile {
  readonly candidates: Candidate[];
  readonly problems: Problem[];
  /**
   * False when the file as a whole cannot be trusted (a YAML syntax, alias or tag error, bad bytes):
   * none of its resources loads, and a running controller keeps their last good version.
   */
  readonly readable: boolean;
}

/** What parsing one file shares across its documents. */
interface FileContext {
  readonly file: string;
  readonly lineCounter: LineCounter;
  readonly options: LoadOptions;
  readonly candidates: Candidate[];
  readonly problems: Problem[];
}

/** Kind, namespace and name read from the YAML tree (of the document, or of the List item at `at`). */
function identifyTree(doc: Document, at: TreePlace = []): { kind?: string; namespace: string; name?: string } {
  const text = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);
  const kind = text(doc.getIn([...at, "kind"]));
  const name = text(doc.getIn([...at, "metadata", "name"]));
  const namespace = text(doc.getIn([...at, "metadata", "namespace"])) ?? DEFAULT_NAMESPACE;
  return { namespace, ...(kind === undefined ? {} : { kind }), ...(name === undefined ? {} : { name }) };
}

function locatedYamlProblem(yaml: YamlDocument, problem: YamlProblem, context: FileContext): Problem {
  const fullPath = pathAtOffset(yaml.doc, problem.offset);
  // Inside a List's item: named by that item's resource, with the path inside it.
  const item = isListTree(yaml.doc) ? /^items\[(\d+)\]\.?/.exec(fullPath) : null;
  const where = item === null ? identifyTree(yaml.doc) : identifyTree(yaml.doc, ["items", Number(item[1])]);
  const line = context.lineCounter.linePos(problem.offset).line;
  return {
    severity: "error",
    rule: problem.rule,
    file: context.file,
    line,
    ...where,
    path: item === null ? fullPath : fullPath.slice(item[0].length),
    message: problem.message,
  };
}

function isOurTree(doc: Document, at: TreePlace = []): boolean {
  const apiVersion = doc.getIn([...at, "apiVersion"]);
  return typeof apiVersion === "string" && apiVersion.startsWith(`${GROUP}/`);
}

/**
 * A document whose YAML is broken still names its resource (or a List's items name theirs), so it is
 * rejected, not pruned.
 */
function brokenCandidate(yaml: YamlDocument, context: FileContext): void {
  for (const at of resourcePlaces(yaml.doc)) {
    const { kind, namespace, name } = identifyTree(yaml.doc, at);
    if (!isOurTree(yaml.doc, at) || !isKind(kind)) continue;
    const lineOf = (path: string): number => lineOfPath(yaml.doc, context.lineCounter, joinPath(placePath(at), path));
    context.candidates.push({ kind, namespace, name, source: { file: context.file, line: lineOf("") }, object: {}, valid: false, lineOf });
  }
}

/** `items[2]` + `spec.vmSize` = `items[2].spec.vmSize`; either may be empty. */
function joinPath(prefix: string, path: string): string {
  return prefix === "" ? path : path === "" ? prefix : `${prefix}.${path}`;
}

function parseDocument(yaml: YamlDocument, context: FileContext): void {
  context.problems.push(...yaml.problems.map((p) => locatedYamlProblem(yaml, p, context)));
  if (yaml.broken) return brokenCandidate(yaml, context);
  const value = yaml.value;
  if (isListTree(yaml.doc)) {
    // kubectl applies each item of a `kind: List` (what `kubectl get -o yaml` writes): so does this.
    const items = isRecord(value) && Array.isArray(value.items) ? (value.items as unknown[]) : [];
    items.forEach((item, index) => {
      const at = placePath(["items", index]);
      const own = yaml.problems.filter((p) => isWithin(pathAtOffset(yaml.doc, p.offset), at));
      if (isOurs(item)) parseResource(item, { yaml, at, yamlProblems: own.length }, context);
    });
    return;
  }
  if (isOurs(value)) parseResource(value, { yaml, at: "", yamlProblems: yaml.problems.length }, context);
}

/** Whether field path `path` is `prefix` or under it (`items[1].spec` is within `items[1]`, not `items[10]`). */
function isWithin(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);
}

/**
 * One of our resources, a whole document or the item of a List at field path `at` (its problems are
 * still named by paths inside the resource; their lines are found under `at`).
 */
function parseResource(
  value: Record<string, unknown>,
  within: { yaml: YamlDocument; at: string; yamlProblems: number },
  context: FileContext,
): void {
  const { file, lineCounter, options } = context;
  const { yaml, at } = within;
  const lineOf = (path: string): number => lineOfPath(yaml.doc, lineCounter, joinPath(at, path));
  const { namespace, name } = identify(value);
  const kind = isKind(value.kind) ? value.kind : POOL_KIND;
  const object = withNamespace(value, namespace);
  const identity = identityProblems(value);
  const found = problemsOf(object, identity, options);
  const where = {
    file,
    namespace,
    ...(typeof value.kind === "string" ? { kind: value.kind } : {}),
    ...(name === undefined ? {} : { name }),
  };
  context.problems.push(...found.map((p) => ({ ...p, ...where, line: lineOf(p.path) })));
  if (identity.length > 0) return;
  const valid = within.yamlProblems === 0 && !found.some((p) => p.severity === "error");
  context.candidates.push({ kind, namespace, name, source: { file, line: lineOf("") }, object, valid, lineOf });
}

/** The document holding character `offset`, for byte-level problems. */
function documentAt(documents: readonly YamlDocument[], offset: number): YamlDocument | undefined {
  const holds = (d: YamlDocument): boolean =>
    d.doc.range !== undefined && d.doc.range[0] <= offset && offset < Math.max(d.doc.range[2], d.doc.range[1] + 1);
  return documents.find(holds) ?? documents[documents.length - 1];
}

/**
 * Parses one file's text (and the byte-level problem found decoding it, if any). Within the file,
 * the same resource twice is an error on both copies; a file with broken YAML loads nothing.
 */
export function parseManifestText(text: string, file: string, options: LoadOptions = {}, encoding?: EncodingProblem): ParsedFile {
  const yamlFile = readYamlDocuments(text);
  const context: FileContext = { file, lineCounter: yamlFile.lineCounter, options, candidates: [], problems: [] };
  if (encoding !== undefined) {
    const holder = documentAt(yamlFile.documents, encoding.offset);
    if (holder === undefined)
      context.problems.push({
        severity: "error",
        rule: encoding.rule,
        file,
        line: yamlFile.lineCounter.linePos(encoding.offset).line,
        path: "",
        message: encoding.message,
      });
    else holder.problems.push(encoding);
  }
  for (const yaml of yamlFile.documents) parseDocument(yaml, context);
  const readable = encoding === undefined && !yamlFile.documents.some((d) => d.broken);
  const candidates = readable ? context.candidates : context.candidates.map((c) => ({ ...c, valid: false }));
  const duplicates = duplicateProblems(candidates);
  return {
    candidates: candidates.map((c) => (duplicates.duplicated.has(keyOf(c) ?? "") ? { ...c, valid: false } : c)),
    problems: [...context.problems, ...duplicates.problems],
    readable,
  };
}

function keyOf(candidate: Candidate): string | undefined {
  return candidate.name === undefined ? undefined : resourceKey(candidate.kind, candidate.namespace, candidate.name);
}

function problemAt(candidate: Candidate, rule: string, path: string, message: string): Problem {
  const { file } = candidate.source;
  const name = candidate.name === undefined ? {} : { name: candidate.name };
  return {
    severity: "error",
    rule,
    file,
    line: candidate.lineOf(path),
    kind: candidate.kind,
    namespace: candidate.namespace,
    ...name,
    path,
    message,
  };
}

/** Same kind, namespace and name twice: ambiguous, so none of the copies loads. */
function duplicateProblems(candidates: readonly Candidate[]): { problems: Problem[]; duplicated: Set<string> } {
  const firstByKey = new Map<string, Candidate>();
  const problems: Problem[] = [];
  const duplicated = new Set<string>();
  for (const candidate of candidates) {
    const key = keyOf(candidate);
    if (key === undefined) continue;
    const first = firstByKey.get(key);
    if (first === undefined) {
      firstByKey.set(key, candidate);
      continue;
    }
    duplicated.add(key);
    const message = `${key} is already defined at ${first.source.file}:${first.source.line}; names must be unique per kind and namespace (neither copy is applied)`;
    problems.push(problemAt(candidate, "duplicate-name", "metadata.name", message));
  }
  return { problems, duplicated };
}

export function missingPoolMessage(namespace: string, poolName: string): string {
  return `poolRef names BatchPool ${namespace}/${poolName}, which is not defined in this directory; add it or use poolId for a pool managed elsewhere`;
}

/** A job's poolRef must name a BatchPool of the same namespace defined in the directory. */
function missingPoolProblems(candidates: readonly Candidate[]): Problem[] {
  const pools = new Set(candidates.filter((c) => c.kind === POOL_KIND).map(keyOf));
  const problems: Problem[] = [];
  for (const job of candidates.filter((c) => c.kind === JOB_KIND && c.valid)) {
    const spec = isRecord(job.object.spec) ? job.object.spec : {};
    const poolName = isRecord(spec.poolRef) ? spec.poolRef.name : undefined;
    if (typeof poolName !== "string" || pools.has(resourceKey(POOL_KIND, job.namespace, poolName))) continue;
    const message = missingPoolMessage(job.namespace, poolName);
    problems.push(problemAt(job, "missing-pool", "spec.poolRef.name", message));
  }
  return problems;
}

export function missingAccountMessage(namespace: string, accountName: string): string {
  return `accountRef names BatchAccount ${namespace}/${accountName}, which is not defined in this directory; add it, or remove accountRef to use the controller's default account`;
}

function specOf(candidate: Candidate): Record<string, unknown> {
  return isRecord(candidate.object.spec) ? candidate.object.spec : {};
}

export { accountRefOf };

/**
 * A pool's or job's accountRef names a BatchAccount of its namespace, and a job runs in its pool's
 * account (a Batch job can only use a pool of the same account).
 */
function accountProblems(candidates: readonly Candidate[]): Problem[] {
  const accounts = new Set(candidates.filter((c) => c.kind === ACCOUNT_KIND).map(keyOf));
  const declared = (namespace: string, account: string): boolean => accounts.has(resourceKey(ACCOUNT_KIND, namespace, account));
  const missing = candidates
    .filter((c) => (c.kind === POOL_KIND || c.kind === JOB_KIND) && c.valid)
    .flatMap((candidate) => {
      const account = accountRefOf(specOf(candidate));
      if (account === undefined || declared(candidate.namespace, account)) return [];
      return [problemAt(candidate, "missing-account", "spec.accountRef.name", missingAccountMessage(candidate.namespace, account))];
    });
  return [...missing, ...accountMismatchProblems(candidates, problemAt, declared)];
}

function toLoaded(candidate: Candidate, key: string): LoadedResource {
  const generation = generationOf(candidate.object.spec);
  const metadata = isRecord(candidate.object.metadata) ? { ...candidate.object.metadata, generation } : { generation };
  const resource = { ...candidate.object, metadata } as unknown as BatchResource;
  return {
    key,
    kind: candidate.kind,
    namespace: candidate.namespace,
    name: candidate.name ?? "",
    generation,
    resource,
    source: candidate.source,
  };
}

/** Cross-file checks, then splits candidates into loaded and rejected resources. */
export function assemble(candidates: readonly Candidate[], problems: readonly Problem[], unread: string[] = []): LoadResult {
  const duplicates = duplicateProblems(candidates.filter((c) => c.valid));
  const resources: LoadedResource[] = [];
  const rejected: RejectedResource[] = [];
  for (const candidate of candidates) {
    const key = keyOf(candidate);
    if (key === undefined) continue;
    if (candidate.valid && !duplicates.duplicated.has(key)) resources.push(toLoaded(candidate, key));
    else rejected.push({ key, source: candidate.source });
  }
  const references = [
    ...missingPoolProblems(candidates),
    ...accountProblems(candidates),
    ...containerMismatchProblems(candidates, problemAt),
    ...batchIdProblems(
      candidates.filter((c) => !duplicates.duplicated.has(keyOf(c) ?? "")),
      problemAt,
    ),
  ];
  return { resources, problems: [...problems, ...duplicates.problems, ...references], rejected, unread };
}

export interface LoadManifestsOptions extends LoadOptions {
  /** The file system; tests inject failures through it. */
  readonly fs?: ManifestFs;
}

/** Reads and parses one file of a manifests directory: the one path `validate`, `plan` and `run` share. */
export async function loadManifestFile(
  root: string,
  file: string,
  options: LoadManifestsOptions = {},
): Promise<ParsedFile | "missing" | "changing"> {
  const read = await readManifestFile(root, file, options.fs ?? nodeFs);
  if (read.status === "missing" || read.status === "changing") return read.status;
  if (read.status === "error") {
    const { problem } = read;
    return {
      candidates: [],
      readable: false,
      problems: [{ severity: "error", rule: problem.rule, file: problem.file, line: problem.line, path: "", message: problem.message }],
    };
  }
  return parseManifestText(read.text, file, options, read.problem);
}

/** Loads every BatchPool and BatchJob under `dir` (recursively; a single file works too). Never throws for bad content. */
export async function loadManifests(dir: string, options: LoadManifestsOptions = {}): Promise<LoadResult> {
  const fs = options.fs ?? nodeFs;
  let single: boolean;
  try {
    single = (await fs.stat(dir)).isFile();
  } catch (error: unknown) {
    const reason = error instanceof Error ? error.message : String(error);
    return {
      resources: [],
      rejected: [],
      problems: [{ severity: "error", rule: "read-error", file: dir, line: 1, path: "", message: `cannot read the manifests: ${reason}` }],
      unread: [dir],
    };
  }
  const root = single ? dirname(dir) : dir;
  const listed = single ? { files: [basename(dir)], problems: [] } : await listManifestFiles(dir, fs);
  const candidates: Candidate[] = [];
  const problems: Problem[] = listed.problems.map((p) => ({
    severity: "error",
    rule: p.rule,
    file: p.file,
    line: p.line,
    path: "",
    message: p.message,
  }));
  const unread = listed.problems.map((p) => rooted(root, p.file));
  for (const file of listed.files) {
    const parsed = await loadSettledFile(root, file, options);
    if (parsed === undefined) continue;
    candidates.push(...parsed.candidates.map((c) => withRootedSource(c, root)));
    problems.push(...parsed.problems.map((p) => ({ ...p, file: rooted(root, p.file) })));
    if (!parsed.readable) unread.push(rooted(root, file));
  }
  return assemble(candidates, problems, unread);
}

/** A file being written while validate reads it gets one more read, then is taken as it is; undefined when gone. */
async function loadSettledFile(root: string, file: string, options: LoadManifestsOptions): Promise<ParsedFile | undefined> {
  let parsed = await loadManifestFile(root, file, options);
  if (parsed === "changing") parsed = await loadManifestFile(root, file, options);
  return typeof parsed === "string" ? undefined : parsed;
}

/** Problems and sources name files as the user gave the directory (`manifests/x.yaml`). */
function rooted(root: string, file: string): string {
  return join(root, file);
}

function withRootedSource(candidate: Candidate, root: string): Candidate {
  return { ...candidate, source: { ...candidate.source, file: rooted(root, candidate.source.file) } };
}
