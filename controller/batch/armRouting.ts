/**
 * One BatchAdapter over both Azure APIs: pool writes for pools with a managed identity go through
 * Resource Manager (armPools.ts), because only ARM can assign one; everything else (other pools, jobs,
 * tasks, and all observation) stays on the data plane. A pool is known to be an ARM pool from the
 * create body (its `identity`) or from observing it with an identity; observation always precedes an
 * update in a reconcile, so the routing survives restarts. Without an ARM writer an identity pool's
 * create is refused here (the validation rule identity-needs-arm says so earlier, with a location).
 */
import type { JsonObject } from "../core/intent.js";
import type { ObservedPool } from "../core/observed.js";
import type { BatchAdapter, CallOptions } from "./adapter.js";
import type { ArmPoolWriter } from "./armPools.js";
import { BatchCallError } from "./errors.js";

/** What a pool body or observation says about identities. */
export function needsArm(body: JsonObject): boolean {
  const list = (body.identity as { userAssignedIdentities?: unknown } | undefined)?.userAssignedIdentities;
  return Array.isArray(list) && list.length > 0;
}

/** The adapter the controller uses: `data` alone when the account has no ARM resource id. */
export function withArmPools(data: BatchAdapter, arm: ArmPoolWriter | undefined): BatchAdapter {
  return new RoutingAdapter(data, arm);
}

class RoutingAdapter implements BatchAdapter {
  readonly #armPools = new Set<string>();

  constructor(
    readonly data: BatchAdapter,
    readonly arm: ArmPoolWriter | undefined,
  ) {}

  get accountUrl(): string {
    return this.data.accountUrl;
  }

  #learn(pool: ObservedPool): ObservedPool {
    if ((pool.identityResourceIds?.length ?? 0) > 0) this.#armPools.add(pool.id.toLowerCase());
    return pool;
  }

  #armFor(poolId: string): ArmPoolWriter | undefined {
    return this.#armPools.has(poolId.toLowerCase()) ? this.arm : undefined;
  }

  async listPools(options?: CallOptions): Promise<ObservedPool[]> {
    return (await this.data.listPools(options)).map((p) => this.#learn(p));
  }

  async getPool(poolId: string, options?: CallOptions): Promise<ObservedPool | undefined> {
    const pool = await this.data.getPool(poolId, options);
    return pool === undefined ? undefined : this.#learn(pool);
  }

  listJobs: BatchAdapter["listJobs"] = (o) => this.data.listJobs(o);
  getJob: BatchAdapter["getJob"] = (id, o) => this.data.getJob(id, o);
  getTaskCounts: BatchAdapter["getTaskCounts"] = (id, o) => this.data.getTaskCounts(id, o);
  listTasks: BatchAdapter["listTasks"] = (id, o) => this.data.listTasks(id, o);
  getTask: BatchAdapter["getTask"] = (j, t, o) => this.data.getTask(j, t, o);
  listFailedTasks: BatchAdapter["listFailedTasks"] = (j, m, o) => this.data.listFailedTasks(j, m, o);
  createJob: BatchAdapter["createJob"] = (b, o) => this.data.createJob(b, o);
  patchJob: BatchAdapter["patchJob"] = (id, b, o) => this.data.patchJob(id, b, o);
  disableJob: BatchAdapter["disableJob"] = (id, d, o) => this.data.disableJob(id, d, o);
  enableJob: BatchAdapter["enableJob"] = (id, o) => this.data.enableJob(id, o);
  deleteJob: BatchAdapter["deleteJob"] = (id, o) => this.data.deleteJob(id, o);
  addTasks: BatchAdapter["addTasks"] = (id, t, o) => this.data.addTasks(id, t, o);
  deleteTask: BatchAdapter["deleteTask"] = (j, t, o) => this.data.deleteTask(j, t, o);
  listJobsInFull: BatchAdapter["listJobsInFull"] = (o) => this.data.listJobsInFull(o);
  listTasksInFull: BatchAdapter["listTasksInFull"] = (id, o) => this.data.listTasksInFull(id, o);
  getPoolNodeCounts: BatchAdapter["getPoolNodeCounts"] = (id, o) => this.data.getPoolNodeCounts(id, o);

  async createPool(body: JsonObject, options?: CallOptions): Promise<"created" | "exists"> {
    const { identity: _identity, ...dataBody } = body;
    if (!needsArm(body)) return this.data.createPool(dataBody, options);
    if (this.arm === undefined) {
      throw new BatchCallError(
        "pool.add",
        {
          statusCode: 0,
          code: "ArmResourceIdMissing",
          message: "a pool with spec.identity is written through Azure Resource Manager: set --arm-resource-id",
        },
        "permanent",
      );
    }
    this.#armPools.add(String(body.id).toLowerCase());
    return this.arm.createPool(body, options);
  }

  async resizePool(poolId: string, body: JsonObject, options?: CallOptions): Promise<void> {
    const arm = this.#armFor(poolId);
    return arm === undefined ? this.data.resizePool(poolId, body, options) : arm.resizePool(poolId, body, options);
  }

  async stopResizePool(poolId: string, options?: CallOptions): Promise<void> {
    const arm = this.#armFor(poolId);
    return arm === undefined ? this.data.stopResizePool(poolId, options) : arm.stopResizePool(poolId, options);
  }

  async enableAutoScale(poolId: string, formula: string, interval: string, options?: CallOptions): Promise<void> {
    const arm = this.#armFor(poolId);
    return arm === undefined
      ? this.data.enableAutoScale(poolId, formula, interval, options)
      : arm.enableAutoScale(poolId, formula, interval, options);
  }

  async disableAutoScale(poolId: string, options?: CallOptions): Promise<void> {
    const arm = this.#armFor(poolId);
    return arm === undefined ? this.data.disableAutoScale(poolId, options) : arm.disableAutoScale(poolId, options);
  }

  async patchPool(poolId: string, body: JsonObject, options?: CallOptions): Promise<void> {
    const arm = this.#armFor(poolId);
    if (arm === undefined) return this.data.patchPool(poolId, body, options);
    return arm.updatePool(poolId, body.startTask as JsonObject | undefined, (body.metadata ?? []) as JsonObject[], options);
  }

  async updatePoolProperties(poolId: string, body: JsonObject, options?: CallOptions): Promise<void> {
    const arm = this.#armFor(poolId);
    if (arm === undefined) return this.data.updatePoolProperties(poolId, body, options);
    return arm.updatePool(poolId, (body.startTask as JsonObject | undefined) ?? "remove", (body.metadata ?? []) as JsonObject[], options);
  }

  async deletePool(poolId: string, options?: CallOptions): Promise<"deleted" | "gone"> {
    const arm = this.#armFor(poolId);
    return arm === undefined ? this.data.deletePool(poolId, options) : arm.deletePool(poolId, options);
  }
}
