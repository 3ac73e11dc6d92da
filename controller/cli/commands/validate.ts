/** `batch-gitops validate <dir>`: loads every manifest and prints one located line per problem. */
import { parseArgs } from "node:util";
import type { Command } from "../command.js";
import { loadManifests } from "../../manifests/index.js";
import type { Problem } from "../../model/index.js";
import { BATCH_RULES, validateBatchRules, type AuthMode } from "../../validation/index.js";

const USAGE = `Usage: batch-gitops validate <dir|file> [--auth entra|shared-key] [--format text|json]

Loads every BatchPool and BatchJob under <dir> (recursively, all YAML documents) and checks them
against the schema, the CRD's CEL rules and the Azure Batch rules. Prints one line per problem:
  file:line: error [rule] Kind/namespace/name spec.field: message

Options:
  --auth entra|shared-key  how the controller will authenticate to Batch (default entra);
                           gallery-image pools are an error under shared-key
  --format text|json       output format (default text)

Exit codes: 0 no errors (warnings allowed), 1 errors found, 2 bad usage.

Rules: ${BATCH_RULES.map((r) => r.id).join(", ")}`;

interface ValidateOptions {
  dir: string;
  auth: AuthMode;
  format: "text" | "json";
}

/** The text form of one problem: `file:line: severity [rule] Kind/ns/name path: message`. */
export function formatProblem(problem: Problem): string {
  const resource = problem.kind !== undefined && problem.name !== undefined ? ` ${problem.kind}/${problem.namespace ?? "default"}/${problem.name}` : "";
  const path = problem.path === "" ? "" : ` ${problem.path}`;
  const subject = resource === "" && path === "" ? "" : `${resource}${path}:`;
  return `${problem.file}:${problem.line}: ${problem.severity} [${problem.rule}]${subject} ${problem.message}`;
}

function parseOptions(args: string[]): ValidateOptions | string {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { auth: { type: "string", default: "entra" }, format: { type: "string", default: "text" } } });
  } catch (error: unknown) {
    return error instanceof Error ? error.message : String(error);
  }
  const { positionals, values } = parsed;
  if (positionals.length !== 1 || positionals[0] === undefined) return "validate takes exactly one directory";
  if (values.auth !== "entra" && values.auth !== "shared-key") return `--auth must be entra or shared-key, not "${values.auth}"`;
  if (values.format !== "text" && values.format !== "json") return `--format must be text or json, not "${values.format}"`;
  return { dir: positionals[0], auth: values.auth, format: values.format };
}

function byLocation(a: Problem, b: Problem): number {
  return a.file.localeCompare(b.file) || a.line - b.line || a.rule.localeCompare(b.rule);
}

export const validateCommand: Command = {
  name: "validate",
  summary: "check the BatchPool/BatchJob manifests of a directory (schema, CEL rules, Azure Batch rules)",
  usage: USAGE,
  async run(args: string[]): Promise<number> {
    const options = parseOptions(args);
    if (typeof options === "string") {
      console.error(`batch-gitops validate: ${options}\n\n${USAGE}`);
      return 2;
    }
    const context = { authMode: options.auth };
    const result = await loadManifests(options.dir, { check: (resource) => validateBatchRules(resource, context) });
    const problems = [...result.problems].sort(byLocation);
    const errors = problems.filter((p) => p.severity === "error").length;
    if (options.format === "json") {
      console.log(JSON.stringify({ resources: result.resources.map((r) => ({ key: r.key, file: r.source.file, line: r.source.line })), problems }, null, 2));
    } else {
      for (const problem of problems) console.log(formatProblem(problem));
      console.error(`${result.resources.length} resources valid, ${errors} errors, ${problems.length - errors} warnings`);
    }
    return errors > 0 ? 1 : 0;
  },
};
