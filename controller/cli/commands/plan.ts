/**
 * `batch-gitops plan <dir>`: what the controller would do, printed like `terraform plan`.
 * Reads Batch (list calls only, never a write); exit 2 when changes are pending, 0 when none,
 * 1 on errors (invalid manifests, Batch unreachable), so it can gate pull requests.
 */
import { parseArgs } from "node:util";
import type { CliContext, Command } from "../command.js";
import { OUTPUT_OPTION, parseOutput, renderStructured } from "../output.js";
import { BATCH_OPTIONS, BATCH_OPTIONS_USAGE, batchTarget, connectBatch, loadDesired, observe, planDirectory, formatPlanProblem } from "../planning.js";
import { hasPendingChanges, planDocument, renderPlan, renderPlanMarkdown } from "../planRender.js";
import { EXIT_USAGE, messageOf, UsageError, usageFailure } from "../usage.js";
import { describeError } from "../../runtime/reconcileErrors.js";
import type { ResourcePlan } from "../../core/planAll.js";
import type { Problem } from "../../model/index.js";

export { renderPlan } from "../planRender.js";

const PLAN_FORMATS = ["table", "json", "yaml", "markdown"] as const;
type PlanFormat = (typeof PLAN_FORMATS)[number];

const USAGE = `Usage: batch-gitops plan <dir> [options]

Shows what \`batch-gitops run\` would change in Azure Batch to match the manifests in <dir>,
as a diff: + create, ~ update in place, - delete. Nothing is written to Batch.

Options:
  --output, -o FORMAT  table (default), json, yaml, or markdown (for a pull-request comment)
${BATCH_OPTIONS_USAGE}

Exit codes: 0 no changes, 2 changes pending, 1 errors, ${EXIT_USAGE} bad usage.`;

interface PlanOptions {
  dir: string;
  output: PlanFormat;
  batch: Record<keyof typeof BATCH_OPTIONS, string | undefined>;
}

function parsePlanOptions(args: string[]): PlanOptions {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, strict: true, options: { ...OUTPUT_OPTION, ...BATCH_OPTIONS } });
  } catch (error: unknown) {
    throw new UsageError(messageOf(error));
  }
  const [dir, ...extra] = parsed.positionals;
  if (dir === undefined) throw new UsageError("a manifests directory is required");
  if (extra.length > 0) throw new UsageError(`one directory only; unexpected "${extra.join(" ")}"`);
  const { output, ...batch } = parsed.values;
  return { dir, output: parseOutput(output, PLAN_FORMATS, "table"), batch: { "batch-url": batch["batch-url"], auth: batch.auth, "manager-id": batch["manager-id"] } };
}

/** The plan of a directory against Batch now; what plan and diff print. */
export async function computePlan(dir: string, batchFlags: PlanOptions["batch"]): Promise<{ plans: ResourcePlan[]; errors: Problem[] }> {
  const target = batchTarget(dir, batchFlags);
  const desired = await loadDesired(dir, target.batch);
  const connection = await connectBatch(target.batch);
  try {
    const observed = await observe(connection.batch);
    return { plans: planDirectory(desired, observed, target.managerId), errors: desired.errors };
  } finally {
    await connection.close();
  }
}

/** Prints plans in the format asked for; the exit code says whether anything is pending. */
export function printPlans(plans: readonly ResourcePlan[], errors: readonly Problem[], output: PlanFormat, context: CliContext | undefined): number {
  if (output === "json" || output === "yaml") {
    console.log(renderStructured(planDocument(plans, errors), output));
  } else if (output === "markdown") {
    console.log(renderPlanMarkdown(plans, errors));
  } else {
    for (const problem of errors) console.log(`! ${formatPlanProblem(problem)}`);
    console.log(renderPlan(plans, { color: (context?.color ?? false) && process.stdout.isTTY }));
  }
  if (errors.length > 0) return 1;
  return hasPendingChanges(plans) ? 2 : 0;
}

export const planCommand: Command = {
  name: "plan",
  summary: "show the changes the controller would make in Batch, like terraform plan (exit 2 if any)",
  usage: USAGE,
  async run(args: string[], context?: CliContext): Promise<number> {
    try {
      const options = parsePlanOptions(args);
      const { plans, errors } = await computePlan(options.dir, options.batch);
      return printPlans(plans, errors, options.output, context);
    } catch (error: unknown) {
      if (error instanceof UsageError) return usageFailure("plan", error.message);
      console.error(`batch-gitops plan: ${describeError(error)}`);
      return 1;
    }
  },
};
