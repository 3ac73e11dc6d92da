/** `batch-gitops diff kind/name`: the plan of one resource, with plan's formats and exit codes. */
import type { CliContext, Command } from "../command.js";
import { parseOutput } from "../output.js";
import { BATCH_OPTIONS, BATCH_OPTIONS_USAGE } from "../planning.js";
import { atMost, parseResourceArgs } from "../resourceArgs.js";
import { parseOneResource } from "../resourceRef.js";
import { requireManifestsDir } from "../target.js";
import { EXIT_USAGE, UsageError } from "../usage.js";
import { computePlan, printPlans } from "./plan.js";

const USAGE = `Usage: batch-gitops diff kind/name [--dir DIR] [options]

The plan of one resource: what \`batch-gitops run\` would change in Batch for it. Nothing is written.

Options:
  --dir DIR            manifests directory (default manifests/examples)
  --namespace, -n NS   namespace of the resource (default default)
  --output, -o FORMAT  table (default), json, yaml or markdown
${BATCH_OPTIONS_USAGE}

Exit codes: 0 no changes, 2 changes pending, 1 not declared or an error, ${EXIT_USAGE} bad usage.`;

export const diffCommand: Command = {
  name: "diff",
  summary: "show the plan of one resource (exit 2 if it has changes)",
  usage: USAGE,
  async run(args: string[], context?: CliContext): Promise<number> {
    const parsed = parseResourceArgs(args, BATCH_OPTIONS);
    if (parsed.target.kind !== "directory")
      throw new UsageError("diff compares a manifests directory with Batch: give --dir, not a cluster");
    const [text] = atMost(parsed.positionals, 1, "diff takes one kind/name");
    const ref = parseOneResource(text, parsed.namespace);
    const output = parseOutput(parsed.output, ["table", "json", "yaml", "markdown"] as const, "table");
    const key = `${ref.kind}/${ref.namespace}/${ref.name}`;
    const flag = (name: keyof typeof BATCH_OPTIONS): string | undefined => {
      const value = parsed.values[name];
      return typeof value === "string" ? value : undefined;
    };
    const { plans, errors } = await computePlan(await requireManifestsDir(parsed.target), {
      "batch-url": flag("batch-url"),
      auth: flag("auth"),
      "manager-id": flag("manager-id"),
    });
    const mine = plans.filter((p) => p.key === key);
    const myErrors = errors.filter((p) => `${p.kind ?? ""}/${p.namespace ?? "default"}/${p.name ?? ""}` === key);
    if (mine.length === 0 && myErrors.length === 0) {
      console.error(`batch-gitops diff: ${key} is not declared in ${parsed.target.dir}`);
      return 1;
    }
    return printPlans(mine, myErrors, output, context);
  },
};
