/**
 * Loads BatchPool and BatchJob manifests from a directory tree: every `.yaml`/`.yml` file, every
 * document in it. Other kinds are ignored (a manifests repo holds other things too). Each problem
 * is located by file, line, resource and field path, and never stops the valid resources loading.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { LineCounter, parseAllDocuments, type Document } from "yaml";
import { API_VERSION, GROUP, JOB_KIND, POOL_KIND, validateResource } from "../model/index.js";
import type { BatchResource, FieldProblem, Kind, Problem } from "../model/index.js";
import { generationOf } from "./generation.js";
import { lineOfPath } from "./locate.js";

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

/** Every YAML file under `dir`, sorted, skipping hidden entries such as .git. */
export async function listManifestFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith(".")) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await listManifestFiles(path)));
    else if (entry.isFile() && /\.ya?ml$/i.test(entry.name)) files.push(path);
  }
  return files;
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
    return [{ severity: "error", rule: "invalid-value", path: "apiVersion", message: `unsupported apiVersion "${String(object.apiVersion)}"; use ${API_VERSION}` }];
  }
  if (object.kind !== POOL_KIND && object.kind !== JOB_KIND) {
    return [{ severity: "error", rule: "invalid-value", path: "kind", message: `unknown kind "${String(object.kind)}" in ${GROUP}; use ${POOL_KIND} or ${JOB_KIND}` }];
  }
  return [];
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
}

function syntaxProblems(doc: Document, file: string): Problem[] {
  return doc.errors.map((error) => ({
    severity: "error" as const,
    rule: "yaml-syntax",
    file,
    line: error.linePos?.[0].line ?? 1,
    path: "",
    // The yaml package appends the position and a code excerpt; the line is reported separately.
    message: (error.message.split("\n")[0] ?? "invalid YAML").replace(/ at line \d+, column \d+:?$/, ""),
  }));
}

/** What parsing one file shares across its documents. */
interface FileContext {
  readonly file: string;
  readonly lineCounter: LineCounter;
  readonly options: LoadOptions;
  readonly out: ParsedFile;
}

function parseDocument(doc: Document, { file, lineCounter, options, out }: FileContext): void {
  if (doc.errors.length > 0) {
    out.problems.push(...syntaxProblems(doc, file));
    return;
  }
  const value: unknown = doc.toJS();
  if (!isOurs(value)) return;
  const lineOf = (path: string): number => lineOfPath(doc, lineCounter, path);
  const { namespace, name } = identify(value);
  const kind = value.kind === JOB_KIND ? JOB_KIND : POOL_KIND;
  const object = withNamespace(value, namespace);
  const identity = identityProblems(value);
  const found = problemsOf(object, identity, options);
  const where = { file, kind: String(value.kind), namespace, ...(name === undefined ? {} : { name }) };
  out.problems.push(...found.map((p) => ({ ...p, ...where, line: lineOf(p.path) })));
  if (identity.length > 0) return;
  const valid = !found.some((p) => p.severity === "error");
  out.candidates.push({ kind, namespace, name, source: { file, line: lineOf("") }, object, valid, lineOf });
}

/** Parses one file's text; exported for tests and for single-file tools. */
export function parseManifestText(text: string, file: string, options: LoadOptions = {}): ParsedFile {
  const lineCounter = new LineCounter();
  const out: ParsedFile = { candidates: [], problems: [] };
  const context: FileContext = { file, lineCounter, options, out };
  for (const doc of parseAllDocuments(text, { lineCounter })) parseDocument(doc as Document, context);
  return out;
}

function keyOf(candidate: Candidate): string | undefined {
  return candidate.name === undefined ? undefined : resourceKey(candidate.kind, candidate.namespace, candidate.name);
}

function problemAt(candidate: Candidate, rule: string, path: string, message: string): Problem {
  const { file } = candidate.source;
  const name = candidate.name === undefined ? {} : { name: candidate.name };
  return { severity: "error", rule, file, line: candidate.lineOf(path), kind: candidate.kind, namespace: candidate.namespace, ...name, path, message };
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

/** A job's poolRef must name a BatchPool of the same namespace defined in the directory. */
function missingPoolProblems(candidates: readonly Candidate[]): Problem[] {
  const pools = new Set(candidates.filter((c) => c.kind === POOL_KIND).map(keyOf));
  const problems: Problem[] = [];
  for (const job of candidates.filter((c) => c.kind === JOB_KIND && c.valid)) {
    const spec = isRecord(job.object.spec) ? job.object.spec : {};
    const poolName = isRecord(spec.poolRef) ? spec.poolRef.name : undefined;
    if (typeof poolName !== "string" || pools.has(resourceKey(POOL_KIND, job.namespace, poolName))) continue;
    const message = `poolRef names BatchPool ${job.namespace}/${poolName}, which is not defined in this directory; add it or use poolId for a pool managed elsewhere`;
    problems.push(problemAt(job, "missing-pool", "spec.poolRef.name", message));
  }
  return problems;
}

function toLoaded(candidate: Candidate, key: string): LoadedResource {
  const generation = generationOf(candidate.object.spec);
  const metadata = isRecord(candidate.object.metadata) ? { ...candidate.object.metadata, generation } : { generation };
  const resource = { ...candidate.object, metadata } as unknown as BatchResource;
  return { key, kind: candidate.kind, namespace: candidate.namespace, name: candidate.name ?? "", generation, resource, source: candidate.source };
}

/** Cross-document checks, then splits candidates into loaded and rejected resources. */
export function assemble(candidates: readonly Candidate[], problems: readonly Problem[]): LoadResult {
  const duplicates = duplicateProblems(candidates);
  const resources: LoadedResource[] = [];
  const rejected: RejectedResource[] = [];
  for (const candidate of candidates) {
    const key = keyOf(candidate);
    if (key === undefined) continue;
    if (candidate.valid && !duplicates.duplicated.has(key)) resources.push(toLoaded(candidate, key));
    else rejected.push({ key, source: candidate.source });
  }
  return { resources, problems: [...problems, ...duplicates.problems, ...missingPoolProblems(candidates)], rejected };
}

/** Loads every BatchPool and BatchJob under `dir` (recursively; a single file works too). Never throws for bad content. */
export async function loadManifests(dir: string, options: LoadOptions = {}): Promise<LoadResult> {
  let files: string[];
  try {
    files = (await stat(dir)).isFile() ? [dir] : await listManifestFiles(dir);
  } catch (error: unknown) {
    const reason = error instanceof Error ? error.message : String(error);
    return { resources: [], rejected: [], problems: [{ severity: "error", rule: "read-error", file: dir, line: 1, path: "", message: `cannot read the manifests: ${reason}` }] };
  }
  const candidates: Candidate[] = [];
  const problems: Problem[] = [];
  for (const file of files) {
    const parsed = parseManifestText(await readFile(file, "utf8"), file, options);
    candidates.push(...parsed.candidates);
    problems.push(...parsed.problems);
  }
  return assemble(candidates, problems);
}
