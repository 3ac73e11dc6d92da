/** `batch-gitops validate <dir>`: loads every manifest and prints one located line per problem. */
import { parseArgs } from "node:util";
import type { Command } from "../command.js";
import { OUTPUT_FORMATS, OUTPUT_OPTION, parseOutput, renderStructured, type OutputFormat } from "../output.js";
import { EXIT_USAGE, messageOf, UsageError, usageFailure } from "../usage.js";
import { loadManifests } from "../../manifests/index.js";
import type { Problem } from "../../model/index.js";
import { BATCH_RULES, validateBatchRules, type AuthMode } from "../../validation/index.js";

const USAGE = `Usage: batch-gitops validate <dir|file> [--auth entra|shared-key] [--arm-resource-id ID] [--output table|json|yaml]

Loads every BatchPool and BatchJob under <dir> (recursively, all YAML documents) and checks them
against the schema, the CRD's CEL rules and the Azure Batch rules. Prints one line per problem:
  file:line: error [rule] Kind/namespace/name spec.field: message

Options:
  --auth entra|shared-key  how the controller will authenticate to Batch (default entra);
                           gallery-image pools are an error under shared-key
  --arm-resource-id ID     the Batch account's Azure Resource Manager id (or BATCH_ARM_RESOURCE_ID);
                           without it, pools with spec.identity are an error (only ARM assigns identities)
  --output, -o FORMAT      table (default: the lines above), json or yaml
  --format text|json       deprecated alias of --output (text = table)

Exit codes: 0 no errors (warnings allowed), 1 errors found, ${EXIT_USAGE} bad usage.

Rules: ${BATCH_RULES.map((r) => r.id).join(", ")}`;

interface ValidateOptions {
  dir: string;
  auth: AuthMode;
  arm: boolean;
  output: Exclude<OutputFormat, "markdown">;
}

/** The text form of one problem: `file:line: severity [rule] Kind/ns/name path: message`. */
export function formatProblem(problem: Problem): string {
  // A resource with no kind or no name is still named by what it has, so the reader knows which one it is.
  const named = problem.kind !== undefined || problem.name !== undefined;
  const resource = named ? ` ${problem.kind ?? "(no kind)"}/${problem.namespace ?? "default"}/${problem.name ?? "(no name)"}` : "";
  const path = problem.path === "" ? "" : ` ${problem.path}`;
  const subject = resource === "" && path === "" ? "" : `${resource}${path}:`;
  return `${problem.file}:${problem.line}: ${problem.severity} [${problem.rule}]${subject} ${problem.message}`;
}

/** `--format` predates `--output`; it still works, with a note on stderr. */
function outputOf(output: string | undefined, format: string | undefined): ValidateOptions["output"] {
  if (format === undefined) return parseOutput(output, OUTPUT_FORMATS, "table");
  if (output !== undefined) throw new UsageError("--format is the old name of --output; give only --output");
  if (format !== "text" && format !== "json") throw new UsageError(`--format must be text or json, not "${format}"`);
  console.error("batch-gitops validate: --format is deprecated; use --output table|json|yaml");
  return format === "text" ? "table" : "json";
}

function parseOptions(args: string[]): ValidateOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        auth: { type: "string", default: "entra" },
        "arm-resource-id": { type: "string" },
        format: { type: "string" },
        ...OUTPUT_OPTION,
      },
    });
  } catch (error: unknown) {
    throw new UsageError(messageOf(error));
  }
  const { positionals, values } = parsed;
  if (positionals.length !== 1 || positionals[0] === undefined) throw new UsageError("validate takes exactly one directory");
  if (values.auth !== "entra" && values.auth !== "shared-key")
    throw new UsageError(`--auth must be entra or shared-key, not "${values.auth}"`);
  const armResourceId = values["arm-resource-id"] ?? process.env.BATCH_ARM_RESOURCE_ID;
  return {
    dir: positionals[0],
    auth: values.auth,
    arm: armResourceId !== undefined && armResourceId !== "",
    output: outputOf(values.output, values.format),
  };
}

function byLocation(a: Problem, b: Problem): number {
  return a.file.localeCompare(b.file) || a.line - b.line || a.rule.localeCompare(b.rule);
}

export const validateCommand: Command = {
  name: "validate",
  summary: "check the BatchPool/BatchJob manifests of a directory (schema, CEL rules, Azure Batch rules)",
  usage: USAGE,
  async run(args: string[]): Promise<number> {
    let options: ValidateOptions;
    try {
      options = parseOptions(args);
    } catch (error: unknown) {
      if (error instanceof UsageError) return usageFailure("validate", error.message);
      throw error;
    }
    const context = { authMode: options.auth, arm: options.arm };
    const result = await loadManifests(options.dir, { check: (resource) => validateBatchRules(resource, context) });
    const problems = [...result.problems].sort(byLocation);
    const errors = problems.filter((p) => p.severity === "error").length;
    if (options.output !== "table") {
      const document = { resources: result.resources.map((r) => ({ key: r.key, file: r.source.file, line: r.source.line })), problems };
      console.log(renderStructured(document, options.output));
    } else {
      for (const problem of problems) console.log(formatProblem(problem));
      console.error(`${result.resources.length} resources valid, ${errors} errors, ${problems.length - errors} warnings`);
    }
    return errors > 0 ? 1 : 0;
  },
};
