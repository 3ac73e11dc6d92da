/**
 * `batch-gitops plan <dir>`: what the controller would do, printed like `terraform plan`.
 * Reads Batch (list calls only, never a write); exit 2 when changes are pending, 0 when none,
 * 1 on errors (invalid manifests, Batch unreachable), so it can gate pull requests.
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import type { CliContext, Command } from "../command.js";
import { OUTPUT_OPTION, parseOutput, renderStructured } from "../output.js";
import {
  BATCH_OPTIONS,
  BATCH_OPTIONS_USAGE,
  batchTarget,
  connectBatch,
  loadDesired,
  observe,
  planDirectory,
  formatPlanProblem,
  type BatchTarget,
  type DesiredDirectory,
} from "../planning.js";
import { manifestHashes, observedFingerprints, PLAN_FILE_FORMAT, writePlanFile } from "../planFile.js";
import { hasPendingChanges, planDocument, renderPlan, renderPlanMarkdown } from "../planRender.js";
import { EXIT_BLOCKED, EXIT_USAGE, messageOf, UsageError, usageFailure } from "../usage.js";
import { describeError } from "../../runtime/reconcileErrors.js";
import { planTotals, type ObservedSet, type ResourcePlan } from "../../core/planAll.js";
import type { Problem } from "../../model/index.js";

export { renderPlan } from "../planRender.js";

const PLAN_FORMATS = ["table", "json", "yaml", "markdown"] as const;
type PlanFormat = (typeof PLAN_FORMATS)[number];

const USAGE = `Usage: batch-gitops plan <dir> [options]

Shows what \`batch-gitops run\` would change in Azure Batch to match the manifests in <dir>,
as a diff: + create, ~ update in place, - delete. Nothing is written to Batch.

Options:
  --output, -o FORMAT  table (default), json, yaml, or markdown (for a pull-request comment)
  --out FILE           also save the plan, with fingerprints of what it was computed from, for
                       \`batch-gitops apply FILE\` (needs a real account: --batch-url)
${BATCH_OPTIONS_USAGE}

Exit codes: 0 Batch matches the manifests (adopting objects created outside batch-gitops,
which only stamps ownership metadata, included); 2 changes pending (drift under driftPolicy
Correct included: the controller would correct it); 3 nothing to apply, but drift under
driftPolicy Alert that the controller only reports; 4 a resource is blocked until a user acts
(owned by another manager, id taken, its pool not declared); 1 errors; ${EXIT_USAGE} bad usage.`;

interface PlanOptions {
  dir: string;
  output: PlanFormat;
  out: string | undefined;
  batch: Record<keyof typeof BATCH_OPTIONS, string | undefined>;
}

function parsePlanOptions(args: string[]): PlanOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: { ...OUTPUT_OPTION, ...BATCH_OPTIONS, out: { type: "string" } },
    });
  } catch (error: unknown) {
    throw new UsageError(messageOf(error));
  }
  const [dir, ...extra] = parsed.positionals;
  if (dir === undefined) throw new UsageError("a manifests directory is required");
  if (extra.length > 0) throw new UsageError(`one directory only; unexpected "${extra.join(" ")}"`);
  const { output, out, ...batch } = parsed.values;
  return {
    dir,
    out,
    output: parseOutput(output, PLAN_FORMATS, "table"),
    batch: { "batch-url": batch["batch-url"], auth: batch.auth, "manager-id": batch["manager-id"] },
  };
}

export interface ComputedPlan {
  plans: ResourcePlan[];
  errors: Problem[];
  /** What a saved plan records (plan --out). */
  inputs: { target: BatchTarget; desired: DesiredDirectory; observed: ObservedSet };
}

/** The plan of a directory against Batch now; what plan and diff print. */
export async function computePlan(dir: string, batchFlags: PlanOptions["batch"]): Promise<ComputedPlan> {
  const target = batchTarget(dir, batchFlags);
  const desired = await loadDesired(dir, target.batch);
  const connection = await connectBatch(target.batch);
  try {
    const observed = await observe(connection.batch, desired);
    return { plans: planDirectory(desired, observed, target.managerId), errors: desired.errors, inputs: { target, desired, observed } };
  } finally {
    await connection.close();
  }
}

async function savePlan(path: string, dir: string, computed: ComputedPlan): Promise<void> {
  const { target, desired, observed } = computed.inputs;
  if (target.batch.kind !== "remote")
    throw new UsageError("--out saves a plan against a real account: give --batch-url (or BATCH_ACCOUNT_URL)");
  if (computed.errors.length > 0) throw new Error(`not saving a plan of invalid manifests (${computed.errors.length} error(s) above)`);
  await writePlanFile(path, {
    format: PLAN_FILE_FORMAT,
    createdAt: new Date().toISOString(),
    dir: resolve(dir),
    accountUrl: target.batch.url,
    managerId: target.managerId,
    manifests: manifestHashes(desired),
    observed: observedFingerprints(observed),
    plans: computed.plans,
  });
  console.error(`plan saved to ${path}; apply it with: batch-gitops apply ${path}`);
}

/** Prints plans in the format asked for; the exit code says whether anything is pending. */
export function printPlans(
  plans: readonly ResourcePlan[],
  errors: readonly Problem[],
  output: PlanFormat,
  context: CliContext | undefined,
): number {
  if (output === "json" || output === "yaml") {
    console.log(renderStructured(planDocument(plans, errors), output));
  } else if (output === "markdown") {
    console.log(renderPlanMarkdown(plans, errors));
  } else {
    for (const problem of errors) console.log(`! ${formatPlanProblem(problem)}`);
    console.log(renderPlan(plans, { color: (context?.color ?? false) && process.stdout.isTTY, errors: errors.length }));
  }
  return planExitCode(plans, errors.length > 0);
}

/**
 * Exit code: 1 errors, 4 a resource blocked, 2 changes pending, 3 only drift the controller will
 * not correct (Alert), 0 in sync (adoption stamps included: not a change).
 */
export function planExitCode(plans: readonly ResourcePlan[], invalid: boolean): number {
  if (invalid) return 1;
  const totals = planTotals(plans);
  if (totals.blocked > 0) return EXIT_BLOCKED;
  if (hasPendingChanges(plans)) return 2;
  return totals.driftNotCorrected > 0 ? 3 : 0;
}

export const planCommand: Command = {
  name: "plan",
  summary: "show the changes the controller would make in Batch, like terraform plan (exit 2 if any)",
  usage: USAGE,
  async run(args: string[], context?: CliContext): Promise<number> {
    try {
      const options = parsePlanOptions(args);
      const computed = await computePlan(options.dir, options.batch);
      const code = printPlans(computed.plans, computed.errors, options.output, context);
      if (options.out !== undefined) await savePlan(options.out, options.dir, computed);
      return code;
    } catch (error: unknown) {
      if (error instanceof UsageError) return usageFailure("plan", error.message);
      console.error(`batch-gitops plan: ${describeError(error)}`);
      return 1;
    }
  },
};
