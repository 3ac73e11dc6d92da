/**
 * `batch-gitops plan <dir>`: what the controller would do, printed like `terraform plan`.
 * Reads Batch (list calls only, never a write); exit 2 when changes are pending, 0 when none,
 * 1 on errors (invalid manifests, Batch unreachable), so it can gate pull requests.
 */
import type { TokenCredential } from "@azure/identity";
import type { Command } from "../command.js";
import { createBatchAdapter } from "../../batch/batchAdapter.js";
import type { BatchAdapter } from "../../batch/adapter.js";
import { entraCredentials, sharedKeyCredentials } from "../../batch/credentials.js";
import { describeError } from "../../runtime/reconcileErrors.js";
import { ConfigError, parseRunConfig, type BatchConfig } from "../../config/runConfig.js";
import { describeAction } from "../../core/actions.js";
import { jobIntentFromSpec, poolIntentFromSpec } from "../../core/fromModel.js";
import { planAll, planTotals, type ResourcePlan } from "../../core/planAll.js";
import { loadManifests } from "../../manifests/index.js";
import type { BatchJobSpec, BatchPoolSpec, Problem } from "../../model/index.js";
import { validateBatchRules } from "../../validation/index.js";
import { startEmulator } from "../../../emulator/index.js";

const USAGE = `Usage: batch-gitops plan <dir> [options]

Shows what \`batch-gitops run\` would change in Azure Batch to match the manifests in <dir>,
as a diff: + create, ~ update in place, - delete. Nothing is written to Batch.

Options:
  --batch-url URL      account URL (or BATCH_ACCOUNT_URL); absent: an empty embedded emulator
  --auth MODE          entra (default; DefaultAzureCredential) or shared-key
                       (BATCH_ACCOUNT_NAME and BATCH_ACCOUNT_KEY from the environment)
  --manager-id ID      the manager id the controller runs with (default batch-gitops)

Exit codes: 0 Batch matches the manifests; 2 changes pending (drift under driftPolicy
Correct included: the controller would correct it); 3 nothing to apply, but drift under
driftPolicy Alert that the controller only reports; 1 errors.`;

export const planCommand: Command = {
  name: "plan",
  summary: "show the changes the controller would make in Batch, like terraform plan (exit 2 if any)",
  usage: USAGE,
  async run(args: string[]): Promise<number> {
    const [dir, ...flags] = args;
    if (dir === undefined || dir.startsWith("-")) {
      console.error(`batch-gitops plan: a manifests directory is required\n\n${USAGE}`);
      return 1;
    }
    try {
      return await runPlan(dir, flags);
    } catch (error: unknown) {
      console.error(`batch-gitops plan: ${error instanceof ConfigError ? error.message : describeError(error)}`);
      return 1;
    }
  },
};

async function runPlan(dir: string, flags: string[]): Promise<number> {
  const config = parseRunConfig(["--dir", dir, ...flags], { env: process.env, cwd: process.cwd(), stdoutIsTTY: false });
  const authMode = config.batch.kind === "remote" && config.batch.auth.kind === "shared-key" ? "shared-key" : "entra";
  const loaded = await loadManifests(dir, { check: (resource) => validateBatchRules(resource, { authMode }) });
  const errors = loaded.problems.filter((p) => p.severity === "error");
  for (const problem of errors) console.log(`! ${formatProblem(problem)}`);
  const pools = loaded.resources.flatMap((r) => (r.kind === "BatchPool" ? [poolIntentFromSpec(r, r.resource.spec as BatchPoolSpec)] : []));
  const jobs = loaded.resources.flatMap((r) => (r.kind === "BatchJob" ? [jobIntentFromSpec(r, r.resource.spec as BatchJobSpec)] : []));
  const { batch, close } = await connect(config.batch);
  try {
    const observed = { pools: await batch.listPools(), jobs: await batch.listJobs() };
    const plans = planAll({ pools, jobs }, observed, { managerId: config.managerId });
    console.log(renderPlan(plans));
    return planExitCode(plans, errors.length > 0);
  } finally {
    await close();
  }
}

/** Exit code: 1 errors, 2 changes pending, 3 only drift the controller will not correct (Alert), 0 in sync. */
export function planExitCode(plans: readonly ResourcePlan[], invalid: boolean): number {
  if (invalid) return 1;
  if (plans.some((p) => p.actions.length > 0)) return 2;
  return planTotals(plans).driftNotCorrected > 0 ? 3 : 0;
}

/** Human-readable plan: one block per resource with pending changes or drift, then totals. */
export function renderPlan(plans: readonly ResourcePlan[]): string {
  const lines: string[] = [];
  for (const plan of plans) {
    if (plan.actions.length === 0 && plan.blocked === undefined && plan.drift.length === 0) continue;
    lines.push(`${plan.key}: ${headline(plan)}`);
    for (const d of plan.drift) lines.push(`    drift: ${d}`);
    for (const action of plan.actions) lines.push(`  ${describeAction(action)}`);
    if (plan.blocked !== undefined) lines.push(`  ! blocked: ${plan.blocked.reason}: ${plan.blocked.message}`);
    lines.push("");
  }
  lines.push(summaryLine(plans));
  return lines.join("\n");
}

function headline(plan: ResourcePlan): string {
  if (plan.driftPolicy === "Alert") return "drifted (Alert: not corrected)";
  if (plan.driftPolicy === "Correct") return "drifted (Correct: will be corrected)";
  return `${plan.status} (${plan.reason})`;
}

function summaryLine(plans: readonly ResourcePlan[]): string {
  const t = planTotals(plans);
  const tasks = t.taskSubmissions > 0 ? ` Tasks to submit to ${t.taskSubmissions} job(s).` : "";
  const pending = t.create + t.change + t.destroy + t.taskSubmissions > 0;
  const drifted = t.driftNotCorrected > 0 ? ` ${t.driftNotCorrected} resource(s) drifted (Alert: not corrected).` : "";
  if (pending) return `Plan: ${t.create} to create, ${t.change} to change, ${t.destroy} to delete.${tasks}${drifted} ${t.inSync} resource(s) in sync.`;
  if (drifted !== "") return `No changes to apply, but Batch does not match the manifests:${drifted} ${t.inSync} resource(s) in sync.`;
  return `No changes. Batch matches the manifests. ${t.inSync} resource(s) in sync.`;
}

function formatProblem(p: Problem): string {
  return `${p.file}:${p.line} ${p.kind ?? ""}/${p.name ?? "?"} ${p.path}: ${p.message}`;
}

async function connect(config: BatchConfig): Promise<{ batch: BatchAdapter; close: () => Promise<void> }> {
  if (config.kind === "embedded") {
    // An empty local account: the plan shows everything as to be created.
    const emulator = await startEmulator({ timingPreset: "fast" });
    const batch = createBatchAdapter({ accountUrl: emulator.url, credentials: sharedKeyCredentials(emulator.account.name, emulator.account.key) });
    return { batch, close: () => emulator.close() };
  }
  const credentials =
    config.auth.kind === "shared-key"
      ? sharedKeyCredentials(config.auth.accountName, config.auth.accountKey.reveal())
      : entraCredentials(await defaultCredential());
  return { batch: createBatchAdapter({ accountUrl: config.url, credentials }), close: async () => undefined };
}

async function defaultCredential(): Promise<TokenCredential> {
  const { DefaultAzureCredential } = await import("@azure/identity");
  return new DefaultAzureCredential();
}
