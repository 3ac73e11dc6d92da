/**
 * What `plan`, `diff` and `apply` share: the Batch connection flags, loading a directory into
 * intents, one observation of Batch and the pure plan of the one against the other.
 */
import { createBatchAdapter } from "../batch/batchAdapter.js";
import type { BatchAdapter } from "../batch/adapter.js";
import { armOf, authModeOf } from "../batch/connect.js";
import { azureCredential, entraCredentials, sharedKeyCredentials } from "../batch/credentials.js";
import { ConfigError, parseRunConfig, type BatchConfig } from "../config/runConfig.js";
import { jobIntentFromSpec, poolIntentFromSpec } from "../core/fromModel.js";
import type { JobIntent, PoolIntent } from "../core/intent.js";
import type { ResourceKey } from "../core/resourceKey.js";
import { isForeign } from "../core/ownership.js";
import type { ObservedSet } from "../core/planAll.js";
import { planAll, type ResourcePlan } from "../core/planAll.js";
import { accountRefOf, loadManifests, unreadManifestsMessage } from "../manifests/index.js";
import type { BatchJobSpec, BatchPoolSpec, Problem } from "../model/index.js";
import { validateBatchRules } from "../validation/index.js";
import { UsageError } from "./usage.js";

/** The parseArgs options naming the Batch account, as `run` takes them. */
export const BATCH_OPTIONS = {
  "batch-url": { type: "string" },
  auth: { type: "string" },
  "manager-id": { type: "string" },
} as const;

export const BATCH_OPTIONS_USAGE = `  --batch-url URL      account URL (or BATCH_ACCOUNT_URL); absent: an empty embedded emulator
  --auth MODE          entra (default; DefaultAzureCredential) or shared-key
                       (BATCH_ACCOUNT_NAME and BATCH_ACCOUNT_KEY from the environment)
  --manager-id ID      the manager id the controller runs with (default batch-gitops)`;

export interface BatchTarget {
  batch: BatchConfig;
  managerId: string;
}

/** The account and manager id from the flags and the environment, as `run` reads them. */
export function batchTarget(dir: string, values: { "batch-url"?: string; auth?: string; "manager-id"?: string }): BatchTarget {
  const flags = Object.entries(values).flatMap(([name, value]) => (value === undefined ? [] : [`--${name}`, value]));
  try {
    const config = parseRunConfig(["--dir", dir, ...flags], { env: process.env, cwd: process.cwd(), stdoutIsTTY: false });
    return { batch: config.batch, managerId: config.managerId };
  } catch (error: unknown) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
}

export interface DesiredDirectory {
  pools: PoolIntent[];
  jobs: JobIntent[];
  /** Declared but invalid: never pruned, as `run` does not prune them. */
  invalid: ResourceKey[];
  pruneHold?: string;
  /** Errors only: warnings do not change what would be applied. */
  errors: Problem[];
}

export async function loadDesired(dir: string, batch: BatchConfig): Promise<DesiredDirectory> {
  // The same rule context as run's loader (directoryMode.ts): plan, apply and run judge a directory alike.
  const context = { authMode: authModeOf(batch), arm: armOf(batch) };
  const loaded = await loadManifests(dir, { check: (resource) => validateBatchRules(resource, context) });
  // One account per command: resources naming a BatchAccount are another account's (run serves them all).
  const elsewhere = loaded.resources.filter((r) => r.kind !== "BatchAccount" && accountRefOf(r.resource.spec) !== undefined);
  if (elsewhere.length > 0) {
    console.error(
      `note: ${elsewhere.length} resource(s) name a BatchAccount and are not planned against ${batch.kind === "remote" ? batch.url : "this account"}: ${elsewhere.map((r) => r.key).join(", ")}`,
    );
  }
  const here = loaded.resources.filter((r) => !elsewhere.includes(r));
  return {
    pools: here.flatMap((r) => (r.kind === "BatchPool" ? [poolIntentFromSpec(r, r.resource.spec as BatchPoolSpec)] : [])),
    jobs: here.flatMap((r) => (r.kind === "BatchJob" ? [jobIntentFromSpec(r, r.resource.spec as BatchJobSpec)] : [])),
    errors: loaded.problems.filter((p) => p.severity === "error"),
    invalid: loaded.rejected.map((r) => r.key as ResourceKey),
    ...(loaded.unread.length === 0 ? {} : { pruneHold: unreadManifestsMessage(loaded.unread) }),
  };
}

/**
 * Every pool and job; for a job created outside batch-gitops that a manifest adopts
 * (`spec.adopt.jobId`), also the ids of the tasks already in it, so the plan can tell a pure
 * adoption (every declared task there) from one that adds tasks.
 */
export async function observe(batch: BatchAdapter, desired: Pick<DesiredDirectory, "jobs">): Promise<ObservedSet> {
  const [pools, jobs] = [await batch.listPools(), await batch.listJobs()];
  const adopted = new Set(desired.jobs.flatMap((j) => (j.adoptJobId === undefined ? [] : [j.adoptJobId.toLowerCase()])));
  const withTasks = await Promise.all(
    jobs.map(async (job) =>
      adopted.has(job.id.toLowerCase()) && isForeign(job.metadata) ? { ...job, existingTaskIds: await taskIds(batch, job.id) } : job,
    ),
  );
  return { pools, jobs: withTasks };
}

async function taskIds(batch: BatchAdapter, jobId: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const page of batch.listTasks(jobId)) ids.push(...page.map((t) => t.id));
  return ids;
}

export function planDirectory(desired: DesiredDirectory, observed: ObservedSet, managerId: string): ResourcePlan[] {
  return planAll(desired, observed, { managerId });
}

export interface BatchConnection {
  batch: BatchAdapter;
  close(): Promise<void>;
}

/** A connection for one command; the embedded case is an empty local account (everything is to create). */
export async function connectBatch(config: BatchConfig): Promise<BatchConnection> {
  if (config.kind === "embedded") {
    const { startEmulator } = await import("../../emulator/index.js");
    const emulator = await startEmulator({ timingPreset: "fast" });
    const batch = createBatchAdapter({
      accountUrl: emulator.url,
      credentials: sharedKeyCredentials(emulator.account.name, emulator.account.key),
    });
    return { batch, close: () => emulator.close() };
  }
  const credentials =
    config.auth.kind === "shared-key"
      ? sharedKeyCredentials(config.auth.accountName, config.auth.accountKey.reveal())
      : entraCredentials(await azureCredential());
  return { batch: createBatchAdapter({ accountUrl: config.url, credentials }), close: async () => undefined };
}

/** `file:line Kind/name path: message`, as plan prints a problem. */
export function formatPlanProblem(p: Problem): string {
  return `${p.file}:${p.line} ${p.kind ?? ""}/${p.name ?? "?"} ${p.path}: ${p.message}`;
}
