/**
 * `export` for jobs: BatchJob manifests that adopt the jobs an account already runs
 * (spec.adopt.jobId, deletionPolicy: Orphan), with their tasks as declared tasks, so `plan` on them
 * shows only the adoption (ownership metadata, not a change) and the controller never adds a task
 * twice: the tasks already in the job are kept as they are (ADR 0003, ADR 0021).
 * Input is the @azure/batch CloudJob / CloudTask JSON; what a manifest cannot carry is named, never guessed.
 */
import { stringify } from "yaml";
import type { JsonObject } from "../core/intent.js";
import { OWNER_KEY, userMetadata } from "../core/ownership.js";
import { API_VERSION, JOB_KIND } from "../model/index.js";
import { resourceNameOf } from "./exportPools.js";

export interface JobToExport {
  readonly job: JsonObject;
  readonly tasks: readonly JsonObject[];
}

export interface ExportedJob {
  readonly name: string;
  readonly yaml: string;
  /** What the manifest could not carry (each printed on stderr). */
  readonly notes: readonly string[];
}

/** A manifest declares at most this many explicit tasks (the model's limit). */
const MAX_TASKS = 10_000;
const EXPORTABLE_STATES = new Set(["active", "disabled", "disabling", "enabling"]);

type Json = Record<string, unknown>;

/** Seconds of an ISO 8601 duration (PnDTnHnMnS); undefined for Batch's "unlimited" (about 29,000 years). */
export function durationSeconds(value: unknown): number | undefined {
  if (typeof value !== "string") return undefined;
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(value);
  if (m === null) return undefined;
  const seconds = Number(m[1] ?? 0) * 86_400 + Number(m[2] ?? 0) * 3_600 + Number(m[3] ?? 0) * 60 + Math.round(Number(m[4] ?? 0));
  return seconds > 0 && seconds < 100 * 365 * 86_400 ? seconds : undefined;
}

function compact(record: Json): Json | undefined {
  const kept = Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
  return Object.keys(kept).length === 0 ? undefined : kept;
}

/** A URL without its query string: a SAS token is a secret and never goes into a manifest. */
function withoutSas(url: unknown, where: string, notes: string[]): string | undefined {
  if (typeof url !== "string") return undefined;
  const at = url.indexOf("?");
  if (at < 0) return url;
  notes.push(
    `${where}: the query string (SAS token) of ${url.slice(0, at)} was left out; use identityResourceId or add the token yourself`,
  );
  return url.slice(0, at);
}

function resourceFiles(files: unknown, where: string, notes: string[]): Json[] | undefined {
  if (!Array.isArray(files) || files.length === 0) return undefined;
  return (files as Json[]).map(
    (f) =>
      compact({
        httpUrl: withoutSas(f.httpUrl, where, notes),
        storageContainerUrl: withoutSas(f.storageContainerUrl, where, notes),
        autoStorageContainerName: f.autoStorageContainerName,
        blobPrefix: f.blobPrefix,
        filePath: f.filePath,
        fileMode: f.fileMode,
        identityResourceId: (f.identityReference as Json | undefined)?.resourceId,
      }) ?? {},
  );
}

function environment(settings: unknown): Json[] | undefined {
  if (!Array.isArray(settings) || settings.length === 0) return undefined;
  return (settings as Json[]).map((s) => ({ name: s.name, value: s.value ?? "" }));
}

/** Registry passwords are never returned by Batch: a secret reference to fill in. */
function containerSettings(settings: unknown, secretName: string): Json | undefined {
  if (settings === undefined || settings === null) return undefined;
  const s = settings as Json;
  const registry = s.registry as Json | undefined;
  const identity = (registry?.identityReference as Json | undefined)?.resourceId;
  const credentials =
    registry?.userName === undefined ? {} : { username: registry.userName, passwordSecretRef: { name: secretName, key: "password" } };
  return compact({
    imageName: s.imageName,
    containerRunOptions: s.containerRunOptions,
    registry:
      registry === undefined
        ? undefined
        : compact({ registryServer: registry.registryServer, ...credentials, identityResourceId: identity }),
    workingDirectory: s.workingDirectory,
  });
}

function userIdentity(identity: unknown, where: string, notes: string[]): Json | undefined {
  const id = identity as Json | undefined;
  if (id === undefined) return undefined;
  if (id.userName !== undefined) {
    notes.push(`${where}: runs as named user ${String(id.userName)}, which a manifest cannot declare; left to the default auto user`);
    return undefined;
  }
  const auto = id.autoUser as Json | undefined;
  const kept = auto === undefined ? undefined : compact({ scope: auto.scope, elevationLevel: auto.elevationLevel });
  return kept === undefined ? undefined : { autoUser: kept };
}

function taskConstraints(constraints: unknown): Json | undefined {
  const c = constraints as Json | undefined;
  if (c === undefined) return undefined;
  const retention = durationSeconds(c.retentionTime);
  return compact({
    maxTaskRetryCount: typeof c.maxTaskRetryCount === "number" && c.maxTaskRetryCount !== 0 ? c.maxTaskRetryCount : undefined,
    maxWallClockTimeSeconds: durationSeconds(c.maxWallClockTime),
    // Seven days is Batch's default retention.
    retentionTimeSeconds: retention === 7 * 86_400 ? undefined : retention,
  });
}

function task(t: Json, secretName: string, notes: string[]): Json {
  const where = `task ${String(t.id)}`;
  for (const field of ["multiInstanceSettings", "applicationPackageReferences", "outputFiles", "authenticationTokenSettings"]) {
    const value = t[field];
    if (value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0))
      notes.push(`${where}: ${field} not exported`);
  }
  const deps = t.dependsOn as Json | undefined;
  return compact({
    id: t.id,
    displayName: t.displayName,
    commandLine: t.commandLine,
    containerSettings: containerSettings(t.containerSettings, secretName),
    resourceFiles: resourceFiles(t.resourceFiles, where, notes),
    environmentSettings: environment(t.environmentSettings),
    userIdentity: userIdentity(t.userIdentity, where, notes),
    constraints: taskConstraints(t.constraints),
    dependsOn: deps === undefined ? undefined : compact({ taskIds: deps.taskIds, taskIdRanges: deps.taskIdRanges }),
  }) as Json;
}

function preparationTask(t: Json | undefined, secretName: string, notes: string[]): Json | undefined {
  if (t === undefined) return undefined;
  const where = "job preparation task";
  return compact({
    id: t.id,
    commandLine: t.commandLine,
    containerSettings: containerSettings(t.containerSettings, secretName),
    resourceFiles: resourceFiles(t.resourceFiles, where, notes),
    environmentSettings: environment(t.environmentSettings),
    constraints: taskConstraints(t.constraints),
    waitForSuccess: t.waitForSuccess,
    userIdentity: userIdentity(t.userIdentity, where, notes),
    rerunOnNodeRebootAfterSuccess: t.rerunOnNodeRebootAfterSuccess,
  });
}

function releaseTask(t: Json | undefined, secretName: string, notes: string[]): Json | undefined {
  if (t === undefined) return undefined;
  const where = "job release task";
  return compact({
    id: t.id,
    commandLine: t.commandLine,
    containerSettings: containerSettings(t.containerSettings, secretName),
    resourceFiles: resourceFiles(t.resourceFiles, where, notes),
    environmentSettings: environment(t.environmentSettings),
    maxWallClockTimeSeconds: durationSeconds(t.maxWallClockTime),
    retentionTimeSeconds: durationSeconds(t.retentionTime),
    userIdentity: userIdentity(t.userIdentity, where, notes),
  });
}

/** Why a job cannot be exported faithfully, or undefined. */
function skipReason(job: Json, tasks: readonly JsonObject[]): string | undefined {
  const metadata = metadataRecord(job.metadata);
  if (metadata[OWNER_KEY] !== undefined) return `already managed by batch-gitops (${metadata[OWNER_KEY]})`;
  if (typeof job.state === "string" && !EXPORTABLE_STATES.has(job.state)) return `state ${job.state}: nothing left to manage`;
  const poolInfo = job.poolInfo as Json | undefined;
  if (typeof poolInfo?.poolId !== "string") return "runs on an auto pool (poolInfo.autoPoolSpecification), which a BatchJob cannot declare";
  if (tasks.length > MAX_TASKS) return `${tasks.length} tasks, more than a manifest declares (${MAX_TASKS}): write a taskFactory by hand`;
  return undefined;
}

function metadataRecord(items: unknown): Record<string, string> {
  if (!Array.isArray(items)) return {};
  return Object.fromEntries((items as Json[]).map((m) => [String(m.name), String(m.value ?? "")]));
}

function jobConstraints(constraints: unknown): Json | undefined {
  const c = constraints as Json | undefined;
  if (c === undefined) return undefined;
  return compact({
    maxWallClockTimeSeconds: durationSeconds(c.maxWallClockTime),
    maxTaskRetryCount: typeof c.maxTaskRetryCount === "number" && c.maxTaskRetryCount !== 0 ? c.maxTaskRetryCount : undefined,
  });
}

/** The BatchJob spec of one job; `poolNames` maps exported pools' Batch ids to their BatchPool names. */
function jobSpec({ job, tasks }: JobToExport, name: string, poolNames: ReadonlyMap<string, string>, notes: string[]): Json {
  const poolId = String((job.poolInfo as Json).poolId);
  const poolName = poolNames.get(poolId.toLowerCase());
  const secretName = `${name}-registry`;
  const metadata = Object.entries(userMetadata(metadataRecord(job.metadata))).map(([n, value]) => ({ name: n, value }));
  return compact({
    ...(poolName === undefined ? { poolId } : { poolRef: { name: poolName } }),
    priority: typeof job.priority === "number" && job.priority !== 0 ? job.priority : undefined,
    constraints: jobConstraints(job.constraints),
    onAllTasksComplete: job.onAllTasksComplete === "terminatejob" ? "terminatejob" : undefined,
    onTaskFailure: job.onTaskFailure === "performexitoptionsjobaction" ? "performexitoptionsjobaction" : undefined,
    jobPreparationTask: preparationTask(job.jobPreparationTask as Json | undefined, secretName, notes),
    jobReleaseTask: releaseTask(job.jobReleaseTask as Json | undefined, secretName, notes),
    tasks: tasks.length === 0 ? undefined : tasks.map((t) => task(t, secretName, notes)),
    metadata: metadata.length === 0 ? undefined : metadata,
    // Removing this manifest must not delete a job someone else created.
    deletionPolicy: "Orphan",
    adopt: { jobId: job.id },
  }) as Json;
}

export function exportJobs(
  jobs: readonly JobToExport[],
  namespace: string,
  poolNames: ReadonlyMap<string, string>,
): { exported: ExportedJob[]; skipped: { id: string; why: string }[] } {
  const exported: ExportedJob[] = [];
  const skipped: { id: string; why: string }[] = [];
  for (const { job, tasks } of jobs) {
    const id = String(job.id);
    const why = skipReason(job, tasks);
    if (why !== undefined) {
      skipped.push({ id, why });
      continue;
    }
    const name = resourceNameOf(id);
    const notes: string[] = [];
    const resource = {
      apiVersion: API_VERSION,
      kind: JOB_KIND,
      metadata: { name, namespace },
      spec: jobSpec({ job, tasks }, name, poolNames, notes),
    };
    const header = `# Exported by batch-gitops export from Batch job ${id}; adopted (its tasks are kept as they are), never deleted by the controller.\n`;
    exported.push({ name, yaml: header + stringify(resource, { lineWidth: 0 }), notes: notes.map((n) => `job ${id}: ${n}`) });
  }
  return { exported, skipped };
}
