/**
 * Pool writes through Azure Resource Manager (`Microsoft.Batch/batchAccounts/pools`, @azure/arm-batch),
 * for what the Batch data plane cannot set: a pool's managed identities (docs/arm-and-identity.md).
 * Takes the same PoolAddParameter-shaped bodies the planner makes for the data plane and speaks ARM's
 * shape. Every write is idempotent: create is a PUT with If-None-Match: * (a repeat after a lost answer
 * gets 412 and reports "exists"), updates are PATCHes that set values, delete is a DELETE whose
 * completion the controller observes on the data plane (no waiting on the long-running operation).
 */
import type { BatchManagementClient, Pool } from "@azure/arm-batch";
import type { TokenCredential } from "@azure/core-auth";
import type { JsonObject } from "../core/intent.js";
import type { CallOptions } from "./adapter.js";
import { BatchCallError, classify, rawErrorInfo } from "./errors.js";
import { dataPoolToArm, fixedScaleToArm, startTaskToArm } from "./armPoolBody.js";

/** The per-account ARM settings (the default account's come from --arm-resource-id / --arm-endpoint). */
export interface ArmAccountConfig {
  /** `/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Batch/batchAccounts/{a}`. */
  readonly armResourceId: string;
  /** Management endpoint; default https://management.azure.com. */
  readonly armEndpoint?: string;
}

export const DEFAULT_ARM_ENDPOINT = "https://management.azure.com";
export const ARM_RESOURCE_ID_PATTERN =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Batch\/batchAccounts\/([^/]+)$/i;

export interface ArmPoolWriterOptions extends ArmAccountConfig {
  readonly credential: TokenCredential;
  /** PEM CA bundle trusted instead of the public CAs (the embedded emulator's dev certificate). */
  readonly trustedCa?: string;
  readonly onCall?: (operation: string, statusCode: number, durationSeconds: number) => void;
}

export interface ArmPoolWriter {
  readonly resourceId: string;
  createPool(body: JsonObject, options?: CallOptions): Promise<"created" | "exists">;
  resizePool(poolId: string, body: JsonObject, options?: CallOptions): Promise<void>;
  stopResizePool(poolId: string, options?: CallOptions): Promise<void>;
  enableAutoScale(poolId: string, formula: string, evaluationInterval: string, options?: CallOptions): Promise<void>;
  /** ARM has no "disable autoscale": the pool gets a fixed scale at its current node counts. */
  disableAutoScale(poolId: string, options?: CallOptions): Promise<void>;
  /** Sets the start task (or removes it: "remove") and the metadata. */
  updatePool(
    poolId: string,
    startTask: JsonObject | "remove" | undefined,
    metadata: readonly JsonObject[],
    options?: CallOptions,
  ): Promise<void>;
  deletePool(poolId: string, options?: CallOptions): Promise<"deleted" | "gone">;
}

export function parseArmResourceId(id: string): { subscription: string; resourceGroup: string; account: string } | undefined {
  const m = ARM_RESOURCE_ID_PATTERN.exec(id);
  return m === null ? undefined : { subscription: m[1] ?? "", resourceGroup: m[2] ?? "", account: m[3] ?? "" };
}

/**
 * The token scope for an endpoint: the endpoint itself (public and sovereign clouds), except a loopback
 * one (the emulator), which takes tokens for the public management audience.
 */
export function armScope(endpoint: string): string {
  const url = new URL(endpoint);
  if (/^(localhost|127\.[\d.]+|\[::1\])$/.test(url.hostname)) return `${DEFAULT_ARM_ENDPOINT}/.default`;
  return `${url.origin}/.default`;
}

export function createArmPoolWriter(options: ArmPoolWriterOptions): ArmPoolWriter {
  return new SdkArmPoolWriter(options);
}

class SdkArmPoolWriter implements ArmPoolWriter {
  readonly resourceId: string;
  readonly #newClient: () => Promise<BatchManagementClient>;
  #client: Promise<BatchManagementClient> | undefined;
  readonly #group: string;
  readonly #account: string;
  readonly #onCall: ArmPoolWriterOptions["onCall"];

  constructor(options: ArmPoolWriterOptions) {
    const parts = parseArmResourceId(options.armResourceId);
    if (parts === undefined) throw new Error(`not a Batch account resource id: ${options.armResourceId}`);
    this.resourceId = options.armResourceId;
    this.#group = parts.resourceGroup;
    this.#account = parts.account;
    this.#onCall = options.onCall;
    const endpoint = options.armEndpoint ?? DEFAULT_ARM_ENDPOINT;
    // @azure/arm-batch (≈ 20 MB resident) is loaded at the first ARM call: most runs write no identity pool (issue 14).
    this.#newClient = async () => {
      const { BatchManagementClient } = await import("@azure/arm-batch");
      return new BatchManagementClient(options.credential, parts.subscription, {
        endpoint,
        credentialScopes: [armScope(endpoint)],
        ...(options.trustedCa === undefined ? {} : { tlsOptions: { ca: options.trustedCa } }),
      });
    };
  }

  /** One ARM call; the SDK's pipeline retries throttling and transient failures (Retry-After honoured). */
  async #call<T>(
    operation: string,
    signal: AbortSignal | undefined,
    fn: (client: BatchManagementClient, abortSignal: AbortSignal | undefined) => Promise<T>,
  ): Promise<T> {
    this.#client ??= this.#newClient();
    const client = await this.#client;
    const started = performance.now();
    try {
      const result = await fn(client, signal);
      this.#onCall?.(operation, 200, (performance.now() - started) / 1000);
      return result;
    } catch (error: unknown) {
      if (signal?.aborted) throw error;
      const info = rawErrorInfo(error, Date.now());
      this.#onCall?.(operation, info.statusCode, (performance.now() - started) / 1000);
      throw new BatchCallError(operation, info, classify(info));
    }
  }

  async createPool(body: JsonObject, options: CallOptions = {}): Promise<"created" | "exists"> {
    const pool = dataPoolToArm(body);
    try {
      await this.#call("arm.pool.create", options.signal, (client, abortSignal) =>
        client.poolOperations.create(this.#group, this.#account, String(body.id), pool, { ifNoneMatch: "*", abortSignal }),
      );
      return "created";
    } catch (error: unknown) {
      if (error instanceof BatchCallError && (error.statusCode === 412 || error.code === "PoolExists")) return "exists";
      throw error;
    }
  }

  async #patch(operation: string, poolId: string, parameters: Pool, options: CallOptions): Promise<void> {
    await this.#call(operation, options.signal, (client, abortSignal) =>
      client.poolOperations.update(this.#group, this.#account, poolId, parameters, { abortSignal }),
    );
  }

  async resizePool(poolId: string, body: JsonObject, options: CallOptions = {}): Promise<void> {
    await this.#patch("arm.pool.resize", poolId, { scaleSettings: { fixedScale: fixedScaleToArm(body) } }, options);
  }

  async stopResizePool(poolId: string, options: CallOptions = {}): Promise<void> {
    await this.#call("arm.pool.stopResize", options.signal, (client, abortSignal) =>
      client.poolOperations.stopResize(this.#group, this.#account, poolId, { abortSignal }),
    );
  }

  async enableAutoScale(poolId: string, formula: string, evaluationInterval: string, options: CallOptions = {}): Promise<void> {
    await this.#patch("arm.pool.enableAutoScale", poolId, { scaleSettings: { autoScale: { formula, evaluationInterval } } }, options);
  }

  async disableAutoScale(poolId: string, options: CallOptions = {}): Promise<void> {
    const pool = await this.#call("arm.pool.get", options.signal, (client, abortSignal) =>
      client.poolOperations.get(this.#group, this.#account, poolId, { abortSignal }),
    );
    const fixedScale = { targetDedicatedNodes: pool.currentDedicatedNodes ?? 0, targetLowPriorityNodes: pool.currentLowPriorityNodes ?? 0 };
    await this.#patch("arm.pool.disableAutoScale", poolId, { scaleSettings: { fixedScale } }, options);
  }

  async updatePool(
    poolId: string,
    startTask: JsonObject | "remove" | undefined,
    metadata: readonly JsonObject[],
    options: CallOptions = {},
  ): Promise<void> {
    // ARM removes a start task given as an empty object.
    const task = startTask === "remove" ? {} : startTask === undefined ? undefined : startTaskToArm(startTask);
    const parameters: Pool = {
      metadata: metadata.map((m) => ({ name: String(m.name), value: String(m.value) })),
      ...(task === undefined ? {} : { startTask: task }),
    };
    await this.#patch("arm.pool.update", poolId, parameters, options);
  }

  async deletePool(poolId: string, options: CallOptions = {}): Promise<"deleted" | "gone"> {
    // The initial DELETE (and the poller's first look); completion shows on the data plane, observed as usual.
    let initialStatus: number | undefined;
    const onResponse = (raw: { status: number }): void => void (initialStatus ??= raw.status);
    try {
      await this.#call("arm.pool.delete", options.signal, (client, abortSignal) =>
        client.poolOperations.beginDelete(this.#group, this.#account, poolId, { abortSignal, onResponse }),
      );
      return initialStatus === 204 ? "gone" : "deleted";
    } catch (error: unknown) {
      if (error instanceof BatchCallError && error.errorClass === "notFound") return "gone";
      throw error;
    }
  }
}
