/**
 * The @azure/batch implementation of BatchAdapter: the only module that calls the SDK.
 * The SDK's own retry policies are disabled (`noRetryPolicy`) so every HTTP attempt passes through
 * `call`, which classifies, retries, honours Retry-After and reports one metric per attempt.
 */
import { BatchServiceClient, type BatchServiceModels } from "@azure/batch";
import type { AbortSignalLike, ServiceClientCredentials } from "@azure/ms-rest-js";
import type { JsonObject } from "../core/intent.js";
import type { FailedTaskSample, ObservedJob, ObservedPool, ObservedTask, ObservedTaskCounts } from "../core/observed.js";
import { contentHashOf } from "../core/taskContent.js";
import type { BatchAdapter, CallOptions, TaskAddOutcome, TaskPayload } from "./adapter.js";
import { BatchCallError, classify, rawErrorInfo } from "./errors.js";
import { createLeanPoster, JSON_CONTENT_TYPE, proxyConfigured, type LeanPoster, type LeanResponse } from "./leanPost.js";
import { taskCollectionJson } from "./mapperJson.js";
import { decideRetry, type RetryOptions } from "./retry.js";
import { delay, systemClock, type Clock } from "../time/clock.js";

export interface BatchAdapterOptions {
  readonly accountUrl: string;
  readonly credentials: ServiceClientCredentials;
  readonly retry?: RetryOptions;
  /** Abandon one HTTP attempt after this long (a lost response); it is then retried. Default 30 s. */
  readonly attemptTimeoutMs?: number;
  /** Called once per HTTP attempt: operation like `pool.list`, status 0 for network errors. */
  readonly onCall?: (operation: string, statusCode: number, durationSeconds: number) => void;
  readonly random?: () => number;
  /** Time for retry waits and Retry-After dates. Default the system clock. */
  readonly clock?: Clock;
  /** addtaskcollection over the lean keep-alive path (default) or, when false, through the SDK's pipeline. */
  readonly leanTaskSubmission?: boolean;
}

const POOL_SELECT = [
  "id",
  "state",
  "allocationState",
  "vmSize",
  "metadata",
  "enableAutoScale",
  "autoScaleFormula",
  "autoScaleEvaluationInterval",
  "targetDedicatedNodes",
  "targetLowPriorityNodes",
  "currentDedicatedNodes",
  "currentLowPriorityNodes",
  "resizeErrors",
  "startTask",
  "virtualMachineConfiguration",
  "taskSlotsPerNode",
  "identity",
].join(",");
const JOB_SELECT = "id,state,poolInfo,priority,metadata,onAllTasksComplete,executionInfo";
const TASK_SELECT = "id,state,environmentSettings";
const PAGE_SIZE = 1000;
/** The REST version @azure/batch 10.2.0 speaks. */
const API_VERSION = "2022-10-01.16.0";

export function createBatchAdapter(options: BatchAdapterOptions): BatchAdapter {
  return new SdkBatchAdapter(options);
}

type Sdk = BatchServiceClient;

class SdkBatchAdapter implements BatchAdapter {
  readonly accountUrl: string;
  readonly #client: Sdk;
  readonly #opts: BatchAdapterOptions;
  readonly #clock: Clock;
  readonly #lean: LeanPoster | undefined;

  constructor(options: BatchAdapterOptions) {
    this.accountUrl = options.accountUrl;
    this.#opts = options;
    this.#clock = options.clock ?? systemClock;
    this.#client = new BatchServiceClient(options.credentials, options.accountUrl, { noRetryPolicy: true });
    this.#lean =
      options.leanTaskSubmission === false || proxyConfigured() ? undefined : createLeanPoster(options.accountUrl, options.credentials);
  }

  /** One logical operation: attempts until success, a non-retryable answer, or the retry budget ends. */
  async #call<T>(operation: string, signal: AbortSignal | undefined, fn: (abortSignal: AbortSignalLike) => Promise<T>): Promise<T> {
    const random = this.#opts.random ?? Math.random;
    for (let attempt = 1; ; attempt++) {
      const started = performance.now();
      const attemptSignal = withTimeout(signal, this.#opts.attemptTimeoutMs ?? 30_000);
      try {
        // ms-rest-js types its own AbortSignalLike; a DOM AbortSignal satisfies it at runtime.
        const result = await fn(attemptSignal.signal as unknown as AbortSignalLike);
        this.#opts.onCall?.(operation, 200, (performance.now() - started) / 1000);
        return result;
      } catch (error: unknown) {
        if (signal?.aborted) throw error;
        const delayMs = this.#retryDelayOrThrow({ operation, attempt, started, random }, error);
        await this.#wait(delayMs, signal, error);
      } finally {
        attemptSignal.release();
      }
    }
  }

  /** Records a failed attempt and returns the wait before the next one, or throws the BatchCallError that ends the operation. */
  #retryDelayOrThrow(attempt: { operation: string; attempt: number; started: number; random: () => number }, error: unknown): number {
    const info = rawErrorInfo(error, this.#clock.now());
    this.#opts.onCall?.(attempt.operation, info.statusCode, (performance.now() - attempt.started) / 1000);
    const errorClass = classify(info);
    const decision = decideRetry(attempt.attempt, { errorClass, retryAfterMs: info.retryAfterMs }, this.#opts.retry ?? {}, attempt.random);
    if (!decision.retry) throw new BatchCallError(attempt.operation, info, errorClass);
    return decision.delayMs;
  }

  /** Waits before a retry; an abort ends the operation with the abort's reason. */
  async #wait(ms: number, signal: AbortSignal | undefined, lastError: unknown): Promise<void> {
    if (!(await delay(this.#clock, ms, signal))) throw signal?.reason ?? lastError;
  }

  async listPools(options: CallOptions = {}): Promise<ObservedPool[]> {
    const pools: ObservedPool[] = [];
    let page = await this.#call("pool.list", options.signal, (abortSignal) =>
      this.#client.pool.list({ abortSignal, poolListOptions: { select: POOL_SELECT, maxResults: PAGE_SIZE } }),
    );
    pools.push(...page.map(toObservedPool));
    while (page.odatanextLink) {
      const link = page.odatanextLink;
      page = await this.#call("pool.list", options.signal, (abortSignal) => this.#client.pool.listNext(link, { abortSignal }));
      pools.push(...page.map(toObservedPool));
    }
    return pools;
  }

  async getPool(poolId: string, options: CallOptions = {}): Promise<ObservedPool | undefined> {
    return this.#orUndefined(() =>
      this.#call("pool.get", options.signal, (abortSignal) =>
        this.#client.pool.get(poolId, { abortSignal, poolGetOptions: { select: POOL_SELECT } }),
      ).then(toObservedPool),
    );
  }

  async listJobs(options: CallOptions = {}): Promise<ObservedJob[]> {
    const jobs: ObservedJob[] = [];
    let page = await this.#call("job.list", options.signal, (abortSignal) =>
      this.#client.job.list({ abortSignal, jobListOptions: { select: JOB_SELECT, maxResults: PAGE_SIZE } }),
    );
    jobs.push(...page.map(toObservedJob));
    while (page.odatanextLink) {
      const link = page.odatanextLink;
      page = await this.#call("job.list", options.signal, (abortSignal) => this.#client.job.listNext(link, { abortSignal }));
      jobs.push(...page.map(toObservedJob));
    }
    return jobs;
  }

  async getJob(jobId: string, options: CallOptions = {}): Promise<ObservedJob | undefined> {
    return this.#orUndefined(() =>
      this.#call("job.get", options.signal, (abortSignal) =>
        this.#client.job.get(jobId, { abortSignal, jobGetOptions: { select: JOB_SELECT } }),
      ).then(toObservedJob),
    );
  }

  async getTaskCounts(jobId: string, options: CallOptions = {}): Promise<ObservedTaskCounts> {
    const result = await this.#call("job.getTaskCounts", options.signal, (abortSignal) =>
      this.#client.job.getTaskCounts(jobId, { abortSignal }),
    );
    const c = result.taskCounts;
    return { active: c.active, running: c.running, completed: c.completed, succeeded: c.succeeded, failed: c.failed };
  }

  async *listTasks(jobId: string, options: CallOptions = {}): AsyncIterable<ObservedTask[]> {
    let page = await this.#call("task.list", options.signal, (abortSignal) =>
      this.#client.task.list(jobId, { abortSignal, taskListOptions: { select: TASK_SELECT, maxResults: PAGE_SIZE } }),
    );
    yield page.map(toObservedTask);
    while (page.odatanextLink) {
      const link = page.odatanextLink;
      page = await this.#call("task.list", options.signal, (abortSignal) => this.#client.task.listNext(link, { abortSignal }));
      yield page.map(toObservedTask);
    }
  }

  async getTask(jobId: string, taskId: string, options: CallOptions = {}): Promise<ObservedTask | undefined> {
    return this.#orUndefined(() =>
      this.#call("task.get", options.signal, (abortSignal) =>
        this.#client.task.get(jobId, taskId, { abortSignal, taskGetOptions: { select: TASK_SELECT } }),
      ).then(toObservedTask),
    );
  }

  async listJobsInFull(options: CallOptions = {}): Promise<JsonObject[]> {
    const jobs: JsonObject[] = [];
    let page = await this.#call("job.list", options.signal, (abortSignal) =>
      this.#client.job.list({ abortSignal, jobListOptions: { maxResults: PAGE_SIZE } }),
    );
    jobs.push(...page.map(plainJson));
    while (page.odatanextLink) {
      const link = page.odatanextLink;
      page = await this.#call("job.list", options.signal, (abortSignal) => this.#client.job.listNext(link, { abortSignal }));
      jobs.push(...page.map(plainJson));
    }
    return jobs;
  }

  async *listTasksInFull(jobId: string, options: CallOptions = {}): AsyncIterable<JsonObject[]> {
    let page = await this.#call("task.list", options.signal, (abortSignal) =>
      this.#client.task.list(jobId, { abortSignal, taskListOptions: { maxResults: PAGE_SIZE } }),
    );
    yield page.map(plainJson);
    while (page.odatanextLink) {
      const link = page.odatanextLink;
      page = await this.#call("task.list", options.signal, (abortSignal) => this.#client.task.listNext(link, { abortSignal }));
      yield page.map(plainJson);
    }
  }

  async getPoolNodeCounts(poolId: string, options: CallOptions = {}): Promise<Record<string, number> | undefined> {
    const accountListPoolNodeCountsOptions = { filter: `poolId eq '${poolId.replace(/'/g, "''")}'` };
    const page = await this.#call("account.listPoolNodeCounts", options.signal, (abortSignal) =>
      this.#client.account.listPoolNodeCounts({ abortSignal, accountListPoolNodeCountsOptions }),
    );
    const counts = page.find((c) => c.poolId?.toLowerCase() === poolId.toLowerCase());
    return counts === undefined ? undefined : addNodeCounts(counts.dedicated, counts.lowPriority);
  }

  async listFailedTasks(jobId: string, max: number, options: CallOptions = {}): Promise<FailedTaskSample[]> {
    const taskListOptions = { filter: "executionInfo/result eq 'failure'", select: "id,executionInfo", maxResults: max };
    const page = await this.#call("task.list", options.signal, (abortSignal) =>
      this.#client.task.list(jobId, { abortSignal, taskListOptions }),
    );
    return page.slice(0, max).map(toFailedTaskSample);
  }

  async createPool(body: JsonObject, options: CallOptions = {}): Promise<"created" | "exists"> {
    return this.#created(
      () =>
        this.#call("pool.add", options.signal, (abortSignal) =>
          this.#client.pool.add(body as unknown as BatchServiceModels.PoolAddParameter, { abortSignal }),
        ),
      "PoolExists",
    );
  }

  async resizePool(poolId: string, body: JsonObject, options: CallOptions = {}): Promise<void> {
    await this.#call("pool.resize", options.signal, (abortSignal) =>
      this.#client.pool.resize(poolId, body as BatchServiceModels.PoolResizeParameter, { abortSignal }),
    );
  }

  async stopResizePool(poolId: string, options: CallOptions = {}): Promise<void> {
    await this.#call("pool.stopResize", options.signal, (abortSignal) => this.#client.pool.stopResize(poolId, { abortSignal }));
  }

  async enableAutoScale(poolId: string, formula: string, evaluationInterval: string, options: CallOptions = {}): Promise<void> {
    await this.#call("pool.enableAutoScale", options.signal, (abortSignal) =>
      this.#client.pool.enableAutoScale(
        poolId,
        { autoScaleFormula: formula, autoScaleEvaluationInterval: evaluationInterval },
        { abortSignal },
      ),
    );
  }

  async disableAutoScale(poolId: string, options: CallOptions = {}): Promise<void> {
    await this.#call("pool.disableAutoScale", options.signal, (abortSignal) => this.#client.pool.disableAutoScale(poolId, { abortSignal }));
  }

  async patchPool(poolId: string, body: JsonObject, options: CallOptions = {}): Promise<void> {
    await this.#call("pool.patch", options.signal, (abortSignal) =>
      this.#client.pool.patch(poolId, body as BatchServiceModels.PoolPatchParameter, { abortSignal }),
    );
  }

  async updatePoolProperties(poolId: string, body: JsonObject, options: CallOptions = {}): Promise<void> {
    await this.#call("pool.updateProperties", options.signal, (abortSignal) =>
      this.#client.pool.updateProperties(poolId, body as unknown as BatchServiceModels.PoolUpdatePropertiesParameter, { abortSignal }),
    );
  }

  async deletePool(poolId: string, options: CallOptions = {}): Promise<"deleted" | "gone"> {
    return this.#deleted(() =>
      this.#call("pool.delete", options.signal, (abortSignal) => this.#client.pool.deleteMethod(poolId, { abortSignal })),
    );
  }

  async createJob(body: JsonObject, options: CallOptions = {}): Promise<"created" | "exists"> {
    return this.#created(
      () =>
        this.#call("job.add", options.signal, (abortSignal) =>
          this.#client.job.add(body as unknown as BatchServiceModels.JobAddParameter, { abortSignal }),
        ),
      "JobExists",
    );
  }

  async patchJob(jobId: string, body: JsonObject, options: CallOptions = {}): Promise<void> {
    await this.#call("job.patch", options.signal, (abortSignal) =>
      this.#client.job.patch(jobId, body as BatchServiceModels.JobPatchParameter, { abortSignal }),
    );
  }

  async disableJob(jobId: string, disableTasks: "requeue" | "wait", options: CallOptions = {}): Promise<void> {
    await this.#call("job.disable", options.signal, (abortSignal) => this.#client.job.disable(jobId, disableTasks, { abortSignal }));
  }

  async enableJob(jobId: string, options: CallOptions = {}): Promise<void> {
    await this.#call("job.enable", options.signal, (abortSignal) => this.#client.job.enable(jobId, { abortSignal }));
  }

  async deleteJob(jobId: string, options: CallOptions = {}): Promise<"deleted" | "gone"> {
    return this.#deleted(() =>
      this.#call("job.delete", options.signal, (abortSignal) => this.#client.job.deleteMethod(jobId, { abortSignal })),
    );
  }

  /**
   * addtaskcollection is the hot path of a 100,000-task sweep: the body is written by a serializer compiled
   * from the SDK's own mapper (the same bytes the SDK would send) and sent over the lean keep-alive path
   * (leanPost.ts, docs/adr/0026), retried and classified by `#call` like every other operation. With a
   * proxy configured it goes through the SDK's pipeline, which honours the proxy.
   */
  async addTasks(jobId: string, tasks: readonly TaskPayload[], options: CallOptions = {}): Promise<TaskAddOutcome[]> {
    const path = `/jobs/${encodeURIComponent(jobId)}/addtaskcollection?api-version=${API_VERSION}`;
    const body = taskCollectionJson(tasks);
    const text = await this.#call("task.addCollection", options.signal, async (abortSignal) => {
      const response =
        this.#lean === undefined
          ? await this.#sdkPost(path, body, abortSignal)
          : await this.#lean.post(path, body, abortSignal as unknown as AbortSignal);
      if (response.status >= 300) throw restErrorLike(response.status, parseOrText(response.text), headerGetter(response.headers));
      return response.text;
    });
    return taskAddOutcomes(text, tasks);
  }

  async #sdkPost(path: string, body: string, abortSignal: AbortSignalLike): Promise<LeanResponse> {
    const url = `${this.accountUrl.replace(/\/$/, "")}${path}`;
    // Given here, the length is not recomputed by the shared-key signer's slow JS UTF-8 encoder.
    const headers = { "content-type": JSON_CONTENT_TYPE, "content-length": String(Buffer.byteLength(body)) };
    const response = await this.#client.sendRequest({ method: "POST", url, body, headers, abortSignal, disableJsonStringifyOnBody: true });
    const text = response.bodyAsText ?? "";
    return { status: response.status, headers: response.headers.rawHeaders(), text };
  }

  async deleteTask(jobId: string, taskId: string, options: CallOptions = {}): Promise<void> {
    await this.#deleted(() =>
      this.#call("task.delete", options.signal, (abortSignal) => this.#client.task.deleteMethod(jobId, taskId, { abortSignal })),
    );
  }

  /** NotFound on a read means "absent" (controller-runtime's IgnoreNotFound). */
  async #orUndefined<T>(fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (error: unknown) {
      if (error instanceof BatchCallError && error.errorClass === "notFound") return undefined;
      throw error;
    }
  }

  /** An "exists" answer to a retried create is reported, not thrown: the caller verifies ownership. */
  async #created(fn: () => Promise<unknown>, existsCode: string): Promise<"created" | "exists"> {
    try {
      await fn();
      return "created";
    } catch (error: unknown) {
      if (error instanceof BatchCallError && error.code === existsCode) return "exists";
      throw error;
    }
  }

  async #deleted(fn: () => Promise<unknown>): Promise<"deleted" | "gone"> {
    try {
      await fn();
      return "deleted";
    } catch (error: unknown) {
      if (error instanceof BatchCallError && error.errorClass === "notFound") return "gone";
      throw error;
    }
  }
}

/** The shape errors.ts reads from an ms-rest-js RestError, for requests sent without an operation spec. */
function restErrorLike(statusCode: number, body: unknown, headers: { get(name: string): string | undefined }): Record<string, unknown> {
  const parsed = body !== null && typeof body === "object" ? (body as Record<string, unknown>) : {};
  return {
    name: "RestError",
    statusCode,
    code: typeof parsed.code === "string" ? parsed.code : undefined,
    message: parsed.message,
    body: parsed,
    response: { headers },
  };
}

/**
 * The attempt's signal: aborted by the caller's signal or after `timeoutMs` with a TimeoutError, as
 * AbortSignal.any([signal, AbortSignal.timeout(ms)]) would be, but released explicitly when the attempt
 * ends. Those two allocate weakly tracked signals and a timer that outlive the attempt; at 1,000
 * addtaskcollection requests per 100,000 tasks they cost measurable CPU (issue 14, bench/README.md).
 */
function withTimeout(signal: AbortSignal | undefined, timeoutMs: number): { signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException("The operation was aborted due to timeout", "TimeoutError")), timeoutMs);
  timer.unref();
  const unfollow = signal === undefined ? undefined : follow(signal, controller);
  return {
    signal: controller.signal,
    release() {
      clearTimeout(timer);
      unfollow?.();
    },
  };
}

/** The attempts in flight under each caller signal, aborted by one listener on it (not one per attempt: 8+ in flight). */
const followers = new WeakMap<AbortSignal, Set<AbortController>>();

function follow(signal: AbortSignal, controller: AbortController): () => void {
  if (signal.aborted) {
    controller.abort(signal.reason);
    return () => undefined;
  }
  let attempts = followers.get(signal);
  if (attempts === undefined) {
    const created = new Set<AbortController>();
    signal.addEventListener("abort", () => created.forEach((attempt) => attempt.abort(signal.reason)), { once: true });
    followers.set(signal, created);
    attempts = created;
  }
  attempts.add(controller);
  const own = attempts;
  return () => own.delete(controller);
}

function metadataRecord(items: readonly BatchServiceModels.MetadataItem[] | undefined): Record<string, string> {
  return Object.fromEntries((items ?? []).map((m) => [m.name, m.value]));
}

/** ISO-8601 duration (PT5M, PT1H30M, PT300S, P1D) → seconds. */
export function durationSeconds(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(text);
  if (m === null) return undefined;
  const [, d = "0", h = "0", min = "0", s = "0"] = m;
  return Number(d) * 86400 + Number(h) * 3600 + Number(min) * 60 + Number(s);
}

function toObservedPool(p: BatchServiceModels.CloudPool): ObservedPool {
  return {
    id: p.id ?? "",
    state: p.state ?? "active",
    allocationState: p.allocationState ?? "steady",
    vmSize: p.vmSize ?? "",
    metadata: metadataRecord(p.metadata),
    enableAutoScale: p.enableAutoScale ?? false,
    autoScaleFormula: p.autoScaleFormula,
    autoScaleEvaluationIntervalSeconds: durationSeconds(p.autoScaleEvaluationInterval),
    ...sizeOf(p),
    startTask: p.startTask as JsonObject | undefined,
    virtualMachineConfiguration: p.virtualMachineConfiguration as unknown as JsonObject | undefined,
    taskSlotsPerNode: p.taskSlotsPerNode,
    ...identityOf(p),
  };
}

/** The pool's target and current node counts and its resize errors (in ObservedPool's field order). */
function sizeOf(
  p: BatchServiceModels.CloudPool,
): Pick<
  ObservedPool,
  "targetDedicatedNodes" | "targetLowPriorityNodes" | "currentDedicatedNodes" | "currentLowPriorityNodes" | "resizeErrors"
> {
  return {
    targetDedicatedNodes: p.targetDedicatedNodes ?? 0,
    targetLowPriorityNodes: p.targetLowPriorityNodes ?? 0,
    currentDedicatedNodes: p.currentDedicatedNodes ?? 0,
    currentLowPriorityNodes: p.currentLowPriorityNodes ?? 0,
    resizeErrors: (p.resizeErrors ?? []).map((e) => ({ code: e.code ?? "", message: e.message ?? "" })),
  };
}

/** The pool's user-assigned identities (set through Resource Manager), when it has any. */
function identityOf(p: BatchServiceModels.CloudPool): { identityResourceIds?: string[] } {
  const list = p.identity?.userAssignedIdentities;
  return list === undefined ? {} : { identityResourceIds: list.map((i) => i.resourceId) };
}

function toObservedJob(j: BatchServiceModels.CloudJob): ObservedJob {
  return {
    id: j.id ?? "",
    state: j.state ?? "active",
    poolId: j.poolInfo?.poolId,
    priority: j.priority ?? 0,
    metadata: metadataRecord(j.metadata),
    onAllTasksComplete: j.onAllTasksComplete,
    terminateReason: j.executionInfo?.terminateReason,
  };
}

/** The SDK's deserialized model as plain JSON (dates as ISO strings), for export. */
function plainJson(value: object): JsonObject {
  return JSON.parse(JSON.stringify(value)) as JsonObject;
}

/** Per-state node counts of a pool: dedicated and low-priority added up, as status.nodeCounts shows them. */
function addNodeCounts(...parts: (BatchServiceModels.NodeCounts | undefined)[]): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const part of parts) {
    if (part === undefined) continue;
    for (const [state, value] of Object.entries(part)) if (typeof value === "number") sum[state] = (sum[state] ?? 0) + value;
  }
  return sum;
}

function toObservedTask(t: BatchServiceModels.CloudTask): ObservedTask {
  return { id: t.id ?? "", state: t.state ?? "active", contentHash: contentHashOf(t.environmentSettings) };
}

function toFailedTaskSample(t: BatchServiceModels.CloudTask): FailedTaskSample {
  const info = t.executionInfo;
  return { taskId: t.id ?? "", exitCode: info?.exitCode, category: info?.failureInfo?.category, code: info?.failureInfo?.code };
}

function toTaskAddOutcome(r: BatchServiceModels.TaskAddResult): TaskAddOutcome {
  if (String(r.status).toLowerCase() === "success") return { taskId: r.taskId, outcome: "added" };
  const code = r.error?.code ?? "Unknown";
  const message = r.error?.message?.value ?? code;
  return { taskId: r.taskId, outcome: code === "TaskExists" ? "exists" : "failed", code, message: message.split("\n")[0] };
}

/**
 * Outcomes of one addtaskcollection answer. An answer in which every task says `"status":"Success"` (the
 * common case; the service writes PascalCase, some write lowercase) is not parsed: that text cannot occur
 * inside a JSON string (its quotes would be escaped), so counting it is enough. Anything else is parsed in full.
 */
export function taskAddOutcomes(text: string, tasks: readonly TaskPayload[]): TaskAddOutcome[] {
  if (countOf(text, SUCCESS_MARK) + countOf(text, SUCCESS_MARK_LOWER) === tasks.length)
    return tasks.map((t) => ({ taskId: String(t.id), outcome: "added" }));
  const parsed = parseOrText(text) as { value?: BatchServiceModels.TaskAddResult[] } | string;
  return (typeof parsed === "string" ? [] : (parsed.value ?? [])).map(toTaskAddOutcome);
}

const SUCCESS_MARK = '"status":"Success"';
const SUCCESS_MARK_LOWER = '"status":"success"';

function countOf(text: string, mark: string): number {
  let count = 0;
  for (let at = text.indexOf(mark); at !== -1; at = text.indexOf(mark, at + mark.length)) count++;
  return count;
}

function parseOrText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function headerGetter(headers: Readonly<Record<string, string | string[] | undefined>>): { get(name: string): string | undefined } {
  return {
    get(name) {
      const value = headers[name.toLowerCase()];
      return Array.isArray(value) ? value.join(",") : value;
    },
  };
}
