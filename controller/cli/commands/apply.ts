/**
 * `batch-gitops apply FILE`: applies a plan saved by `plan --out FILE`, exactly: only if the
 * manifests and every pool and job in Batch are as they were when it was computed (else it refuses,
 * naming what moved, and writes nothing), and then only the actions it lists, in its order.
 */
import { parseArgs } from "node:util";
import type { Command } from "../command.js";
import {
  BATCH_OPTIONS,
  BATCH_OPTIONS_USAGE,
  batchTarget,
  connectBatch,
  loadDesired,
  observe,
  planDirectory,
  type DesiredDirectory,
} from "../planning.js";
import {
  manifestHashes,
  movedInBatch,
  movedManifests,
  observedFingerprints,
  PlanFileError,
  readPlanFile,
  type PlanFile,
} from "../planFile.js";
import { EXIT_USAGE, messageOf, UsageError } from "../usage.js";
import type { BatchAdapter } from "../../batch/adapter.js";
import { describeAction, type Action } from "../../core/actions.js";
import { canonicalJson } from "../../manifests/index.js";
import { jobMetadata } from "../../core/jobPlan.js";
import { toMetadataItems } from "../../core/poolPlan.js";
import type { ResourcePlan } from "../../core/planAll.js";
import { applyAction } from "../../runtime/applyActions.js";
import { resolveSecretRefs } from "../../runtime/secretRefs.js";
import { submitTasks } from "../../runtime/taskSubmission.js";
import { parseResourceKey, type SecretResolver } from "../../runtime/ports.js";
import { createFileSecretResolver } from "../../directory/fileSecretResolver.js";

const USAGE = `Usage: batch-gitops apply FILE [options]

Applies the plan saved by \`batch-gitops plan <dir> --out FILE\`: exactly its actions, in its order.
It first checks that nothing moved since the plan was made: the manifests of <dir> (each resource's
spec) and every pool and job in the Batch account. If anything did, it refuses, naming what moved,
and writes nothing: make a new plan and review it.

Options:
  --secrets-dir DIR    directory-mode secrets for secret references: files <DIR>/<secretName>/<key>
${BATCH_OPTIONS_USAGE}
                       (the account must be the one the plan was made against)

Exit codes: 0 applied, 1 refused (something moved) or a Batch error, ${EXIT_USAGE} bad usage.`;

interface ApplyOptions {
  file: string;
  secretsDir: string | undefined;
  batch: Record<keyof typeof BATCH_OPTIONS, string | undefined>;
}

function parseApplyOptions(args: string[]): ApplyOptions {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, strict: true, options: { ...BATCH_OPTIONS, "secrets-dir": { type: "string" } } });
  } catch (error: unknown) {
    throw new UsageError(messageOf(error));
  }
  const [file, ...extra] = parsed.positionals;
  if (file === undefined || extra.length > 0) throw new UsageError("name one plan file, written by `batch-gitops plan <dir> --out FILE`");
  const { "secrets-dir": secretsDir, ...batch } = parsed.values;
  return { file, secretsDir, batch: { "batch-url": batch["batch-url"], auth: batch.auth, "manager-id": batch["manager-id"] } };
}

/** Everything that moved since the plan, or [] when it may be applied. */
function whatMoved(
  saved: PlanFile,
  desired: DesiredDirectory,
  plans: readonly ResourcePlan[],
  observed: Parameters<typeof observedFingerprints>[0],
): string[] {
  const moved = [
    ...movedManifests(saved.manifests, manifestHashes(desired)),
    ...movedInBatch(saved.observed, observedFingerprints(observed)),
  ];
  // The planner is pure: the same inputs give the same plan. A difference means another version.
  if (moved.length === 0 && canonicalJson(plans) !== canonicalJson(saved.plans))
    moved.push("the plan computed now differs from the saved one (another batch-gitops version?)");
  return moved;
}

interface Execution {
  batch: BatchAdapter;
  desired: DesiredDirectory;
  secrets: SecretResolver;
  managerId: string;
  signal: AbortSignal;
}

/** SubmitTasks streams the job's declared tasks, then records their hash on the job, as the controller does. */
async function execute(action: Action, key: string, ctx: Execution): Promise<string> {
  const { namespace } = parseResourceKey(key);
  const prepare = (body: Parameters<typeof resolveSecretRefs>[0]) => resolveSecretRefs(body, namespace, ctx.secrets);
  if (action.type !== "SubmitTasks") return applyAction(action, { batch: ctx.batch, signal: ctx.signal, prepare });
  const intent = ctx.desired.jobs.find((j) => j.key === key);
  if (intent === undefined) throw new Error(`${key}: no job in the manifests to submit tasks from`);
  const result = await submitTasks({ batch: ctx.batch, jobId: action.jobId, tasks: intent.tasks, signal: ctx.signal, prepare });
  if (result.failureCount > 0)
    throw new Error(`${result.failureCount} task(s) rejected by Batch: ${result.failures.map((f) => `${f.taskId}: ${f.code}`).join("; ")}`);
  const patch: Record<string, unknown> = {
    metadata: toMetadataItems(jobMetadata(intent, { managerId: ctx.managerId }, intent.tasks.hash)),
  };
  if (intent.onAllTasksComplete === "terminatejob") patch.onAllTasksComplete = "terminatejob";
  await ctx.batch.patchJob(action.jobId, patch, { signal: ctx.signal });
  return `${result.added} added`;
}

async function applyPlanFile(options: ApplyOptions): Promise<number> {
  const saved = await readPlanFile(options.file);
  const target = batchTarget(saved.dir, { ...options.batch, "manager-id": options.batch["manager-id"] ?? saved.managerId });
  if (target.batch.kind !== "remote" || target.batch.url !== saved.accountUrl) {
    throw new UsageError(`the plan was made against ${saved.accountUrl}; give --batch-url ${saved.accountUrl}`);
  }
  if (target.managerId !== saved.managerId) throw new UsageError(`the plan was made with --manager-id ${saved.managerId}`);
  const desired = await loadDesired(saved.dir, target.batch);
  const connection = await connectBatch(target.batch);
  try {
    const observed = await observe(connection.batch, desired);
    const moved = whatMoved(saved, desired, planDirectory(desired, observed, target.managerId), observed);
    if (moved.length > 0) {
      console.error(`batch-gitops apply: refusing ${options.file}: changed since the plan was made (${saved.createdAt}):`);
      for (const line of moved) console.error(`  ${line}`);
      console.error("Nothing was written. Make a new plan and review it.");
      return 1;
    }
    const ctx: Execution = {
      batch: connection.batch,
      desired,
      secrets: createFileSecretResolver(options.secretsDir),
      managerId: target.managerId,
      signal: AbortSignal.timeout(3_600_000),
    };
    let count = 0;
    for (const plan of saved.plans) {
      for (const action of plan.actions) {
        const outcome = await execute(action, plan.key, ctx);
        console.log(`${plan.key}: ${describeAction(action).split(":")[0]}: ${outcome}`);
        count++;
      }
    }
    console.log(`Apply complete: ${count} action(s).`);
    return 0;
  } finally {
    await connection.close();
  }
}

export const applyCommand: Command = {
  name: "apply",
  summary: "apply a plan saved by plan --out, only if nothing moved since (like terraform apply planfile)",
  usage: USAGE,
  async run(args: string[]): Promise<number> {
    const options = parseApplyOptions(args);
    try {
      return await applyPlanFile(options);
    } catch (error: unknown) {
      if (!(error instanceof PlanFileError)) throw error;
      console.error(`batch-gitops apply: ${error.message}`);
      return 1;
    }
  },
};
