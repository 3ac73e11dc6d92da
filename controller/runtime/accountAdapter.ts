/**
 * The Batch adapter of one BatchAccount: built from its spec (and the secret its shared key comes
 * from) on first use, rebuilt when either changes, so editing a BatchAccount or rotating its key
 * needs no restart. Maps the spec onto the same connection config the flags give the default
 * account (RemoteBatchConfig), so "one adapter per account" is one data-plane adapter built from it.
 */
import { createHash } from "node:crypto";
import type { BatchAdapter, CallOptions } from "../batch/adapter.js";
import { isBatchCallError } from "../batch/errors.js";
import type { RemoteBatchConfig } from "../config/runConfig.js";
import { Secret } from "../config/secret.js";
import { GenericError, StallingError } from "../core/errors.js";
import type { JsonObject } from "../core/intent.js";
import type { ObservedTask } from "../core/observed.js";
import { Reasons } from "../core/reasons.js";
import { resourceKey } from "../core/resourceKey.js";
import { accountNameFromUrl, type BatchAccountSpec } from "../model/index.js";
import type { AccountConnector, DesiredSource, SecretResolver } from "./ports.js";

export type { AccountConnector };

export interface AccountAdapterOptions {
  /** `namespace/name` of the BatchAccount. */
  readonly account: string;
  readonly source: DesiredSource;
  readonly secrets: SecretResolver;
  readonly connect: AccountConnector;
}

/** The connection config a BatchAccount spec describes, its shared key read from its secret. */
export async function accountConfig(namespace: string, spec: BatchAccountSpec, secrets: SecretResolver): Promise<RemoteBatchConfig> {
  const arm = spec.armResourceId === undefined ? {} : { armResourceId: spec.armResourceId };
  const sharedKey = spec.auth.sharedKey;
  if (sharedKey === undefined) return { kind: "remote", url: spec.url, auth: { kind: "entra" }, ...arm };
  const accountName = spec.accountName ?? accountNameFromUrl(spec.url);
  // validate refuses this (account-shared-key-needs-name); a cluster object could still lack it.
  if (accountName === undefined)
    throw new StallingError(
      Reasons.InvalidSpec,
      "spec.accountName is needed with a shared key when the URL does not start with the account name",
    );
  const key = await secrets.resolveSecret(namespace, sharedKey.secretRef);
  return { kind: "remote", url: spec.url, auth: { kind: "shared-key", accountName, accountKey: new Secret(key) }, ...arm };
}

/** What decides whether the adapter must be rebuilt; the key enters only as a hash. */
function fingerprint(config: RemoteBatchConfig): string {
  const auth = config.auth.kind === "shared-key" ? `${config.auth.accountName}:${config.auth.accountKey.reveal()}` : "entra";
  return createHash("sha256")
    .update(JSON.stringify([config.url, auth, config.armResourceId ?? "", config.armEndpoint ?? ""]))
    .digest("hex");
}

export function createAccountAdapter(options: AccountAdapterOptions): BatchAdapter {
  return new AccountAdapter(options);
}

class AccountAdapter implements BatchAdapter {
  readonly #opts: AccountAdapterOptions;
  #built: { fingerprint: string; adapter: BatchAdapter } | undefined;
  #url = "";

  constructor(options: AccountAdapterOptions) {
    this.#opts = options;
  }

  get accountUrl(): string {
    return this.#url;
  }

  async #current(): Promise<BatchAdapter> {
    const [namespace = "", name = ""] = this.#opts.account.split("/");
    const desired = this.#opts.source.get(resourceKey("BatchAccount", namespace, name));
    if (desired === undefined) throw new StallingError(Reasons.AccountNotFound, `BatchAccount ${this.#opts.account} is not defined`);
    const config = await accountConfig(namespace, desired.spec as BatchAccountSpec, this.#opts.secrets);
    const print = fingerprint(config);
    if (this.#built?.fingerprint !== print) this.#built = { fingerprint: print, adapter: this.#opts.connect(config, this.#opts.account) };
    this.#url = config.url;
    return this.#built.adapter;
  }

  /** One call through the current adapter; an account that does not answer says so by name. */
  async #call<T>(fn: (adapter: BatchAdapter) => Promise<T>): Promise<T> {
    const adapter = await this.#current();
    try {
      return await fn(adapter);
    } catch (error: unknown) {
      if (isBatchCallError(error) && error.statusCode === 0 && error.errorClass === "transient") {
        throw new GenericError(
          Reasons.AccountUnreachable,
          `BatchAccount ${this.#opts.account} (${adapter.accountUrl}) does not answer: ${error.operation}: ${error.message}`,
        );
      }
      throw error;
    }
  }

  listPools = (o?: CallOptions) => this.#call((a) => a.listPools(o));
  getPool = (id: string, o?: CallOptions) => this.#call((a) => a.getPool(id, o));
  listJobs = (o?: CallOptions) => this.#call((a) => a.listJobs(o));
  getJob = (id: string, o?: CallOptions) => this.#call((a) => a.getJob(id, o));
  getTaskCounts = (id: string, o?: CallOptions) => this.#call((a) => a.getTaskCounts(id, o));
  getTask = (jobId: string, taskId: string, o?: CallOptions) => this.#call((a) => a.getTask(jobId, taskId, o));
  listFailedTasks = (jobId: string, max: number, o?: CallOptions) => this.#call((a) => a.listFailedTasks(jobId, max, o));
  createPool: BatchAdapter["createPool"] = (body, o) => this.#call((a) => a.createPool(body, o));
  resizePool: BatchAdapter["resizePool"] = (id, body, o) => this.#call((a) => a.resizePool(id, body, o));
  stopResizePool: BatchAdapter["stopResizePool"] = (id, o) => this.#call((a) => a.stopResizePool(id, o));
  enableAutoScale: BatchAdapter["enableAutoScale"] = (id, f, i, o) => this.#call((a) => a.enableAutoScale(id, f, i, o));
  disableAutoScale: BatchAdapter["disableAutoScale"] = (id, o) => this.#call((a) => a.disableAutoScale(id, o));
  patchPool: BatchAdapter["patchPool"] = (id, body, o) => this.#call((a) => a.patchPool(id, body, o));
  updatePoolProperties: BatchAdapter["updatePoolProperties"] = (id, body, o) => this.#call((a) => a.updatePoolProperties(id, body, o));
  deletePool: BatchAdapter["deletePool"] = (id, o) => this.#call((a) => a.deletePool(id, o));
  createJob: BatchAdapter["createJob"] = (body, o) => this.#call((a) => a.createJob(body, o));
  patchJob: BatchAdapter["patchJob"] = (id, body, o) => this.#call((a) => a.patchJob(id, body, o));
  disableJob: BatchAdapter["disableJob"] = (id, t, o) => this.#call((a) => a.disableJob(id, t, o));
  enableJob: BatchAdapter["enableJob"] = (id, o) => this.#call((a) => a.enableJob(id, o));
  deleteJob: BatchAdapter["deleteJob"] = (id, o) => this.#call((a) => a.deleteJob(id, o));
  addTasks: BatchAdapter["addTasks"] = (id, tasks, o) => this.#call((a) => a.addTasks(id, tasks, o));
  deleteTask: BatchAdapter["deleteTask"] = (jobId, taskId, o) => this.#call((a) => a.deleteTask(jobId, taskId, o));

  listJobsInFull = (o?: CallOptions) => this.#call((a) => a.listJobsInFull(o));
  getPoolNodeCounts = (id: string, o?: CallOptions) => this.#call((a) => a.getPoolNodeCounts(id, o));

  async *listTasks(jobId: string, options?: CallOptions): AsyncIterable<ObservedTask[]> {
    const adapter = await this.#current();
    yield* adapter.listTasks(jobId, options);
  }

  async *listTasksInFull(jobId: string, options?: CallOptions): AsyncIterable<JsonObject[]> {
    const adapter = await this.#current();
    yield* adapter.listTasksInFull(jobId, options);
  }
}
