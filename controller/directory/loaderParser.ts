import {
  accountRefOf,
  containerReportPaths,
  generationOf,
  parseManifestText,
  type Candidate,
  type ParsedFile,
  type ResourceCheck,
} from "../manifests/index.js";
import type { Problem as ModelProblem } from "../model/index.js";
import { validateBatchRules, type AuthMode } from "../validation/index.js";
import { resourceKey, type Problem } from "../runtime/ports.js";
import type { FileParseResult, ManifestParser, ParsedDocument } from "./manifestParser.js";

/**
 * The directory source's parser: the manifests loader plus the Azure Batch rules (the same checks
 * as `batch-gitops validate`, through the same parseManifestText), one file at a time. Cross-file
 * checks (duplicate names, missing pools) are done by the source's index; a YAML syntax error
 * anywhere makes the whole file unreadable, so a half-saved file keeps its last good resources.
 */
export function createLoaderParser(options: { authMode: AuthMode; arm?: boolean }): ManifestParser {
  const context = { authMode: options.authMode, ...(options.arm === undefined ? {} : { arm: options.arm }) };
  const check: ResourceCheck = (resource) => validateBatchRules(resource, context);
  return (file, text, encoding) => parseFile(parseManifestText(text, file, { check }, encoding));
}

function poolRefOf(candidate: Candidate): ParsedDocument["poolRef"] {
  const spec = candidate.object.spec;
  const ref = typeof spec === "object" && spec !== null ? (spec as { poolRef?: { name?: unknown } }).poolRef : undefined;
  return typeof ref?.name === "string" ? { name: ref.name, line: candidate.lineOf("spec.poolRef.name") } : undefined;
}

function accountRefOfCandidate(candidate: Candidate): ParsedDocument["accountRef"] {
  const name = accountRefOf(candidate.object.spec);
  return name === undefined ? undefined : { name, line: candidate.lineOf("spec.accountRef.name") };
}

/** The lines of what batch-id-unique and container-settings-pool can name, found while the YAML is at hand. */
function crossRuleLines(candidate: Candidate): Record<string, number> {
  const paths = [
    "metadata.name",
    "spec.adopt.jobId",
    "spec.adopt.poolId",
    "spec.poolRef.name",
    "spec.accountRef.name",
    ...containerReportPaths(candidate.object.spec),
  ];
  return Object.fromEntries(paths.map((path) => [path, candidate.lineOf(path)]));
}

function parseFile(parsed: ParsedFile): FileParseResult {
  const readable = parsed.readable;
  const documents: ParsedDocument[] = [];
  for (const candidate of parsed.candidates) {
    if (candidate.name === undefined) {
      continue;
    }
    const spec: unknown = candidate.object.spec;
    documents.push({
      kind: candidate.kind,
      namespace: candidate.namespace,
      name: candidate.name,
      spec: candidate.valid ? spec : undefined,
      valid: candidate.valid,
      generation: generationOf(spec),
      ...(candidate.valid && candidate.kind === "BatchJob" ? { poolRef: poolRefOf(candidate) } : {}),
      ...(candidate.valid && candidate.kind !== "BatchAccount" ? { accountRef: accountRefOfCandidate(candidate) } : {}),
      ...(candidate.valid ? { line: candidate.source.line, lines: crossRuleLines(candidate) } : {}),
    });
  }
  return { readable, documents, problems: parsed.problems.map(toPortProblem) };
}

/**
 * Errors carry the resource key, so the engine stalls that resource and writes nothing for it.
 * Warnings do not: a key on a problem makes the resource invalid for the pass.
 */
function toPortProblem(problem: ModelProblem): Problem {
  const key = keyOf(problem);
  const common = { severity: problem.severity, file: problem.file, line: problem.line, path: problem.path, rule: problem.rule };
  if (key === undefined) {
    return { ...common, message: problem.message };
  }
  if (problem.severity === "error") {
    return { ...common, key, message: problem.message };
  }
  return { ...common, message: `${key}: ${problem.message}` };
}

function keyOf(problem: ModelProblem): Problem["key"] {
  const { kind, namespace, name } = problem;
  if ((kind !== "BatchPool" && kind !== "BatchJob" && kind !== "BatchAccount") || namespace === undefined || name === undefined) {
    return undefined;
  }
  return resourceKey(kind, namespace, name);
}
