/**
 * Test harness: an in-process emulator on a virtual clock, the unmodified @azure/batch client pointed at it,
 * and a request policy that checks every response body the client receives against the REST spec.
 */
import { BatchServiceClient, BatchSharedKeyCredentials } from "@azure/batch";
import {
  BaseRequestPolicy,
  type HttpOperationResponse,
  type RequestPolicy,
  type RequestPolicyFactory,
  type RequestPolicyOptions,
  type WebResource,
} from "@azure/ms-rest-js";
import { startEmulator, type RunningEmulator } from "../../../emulator/index.js";
import type { Timing } from "../../../emulator/timing.js";
import { operationIdFor, specErrors } from "./spec-schema.js";

export interface SpecViolation {
  operation: string;
  status: number;
  errors: string[];
}

export interface SdkHarness {
  emulator: RunningEmulator;
  client: BatchServiceClient;
  /** Every response that did not match the spec (tests assert it stays empty). */
  violations: SpecViolation[];
  /** Number of responses checked, so tests can tell the checker ran. */
  checked: () => number;
  /** Moves the emulator's virtual clock forward, running what falls due. */
  advance: (ms: number) => void;
  close: () => Promise<void>;
}

class SpecCheckPolicy extends BaseRequestPolicy {
  constructor(
    next: RequestPolicy,
    options: RequestPolicyOptions,
    private readonly record: (request: WebResource, response: HttpOperationResponse) => void,
  ) {
    super(next, options);
  }

  override async sendRequest(request: WebResource): Promise<HttpOperationResponse> {
    const response = await this._nextPolicy.sendRequest(request);
    this.record(request, response);
    return response;
  }
}

export async function startSdkHarness(options: { timing?: Partial<Timing> } = {}): Promise<SdkHarness> {
  const emulator = await startEmulator({ port: 0, clock: "virtual", ...(options.timing ? { timing: options.timing } : {}) });
  const violations: SpecViolation[] = [];
  let checked = 0;
  const record = (request: WebResource, response: HttpOperationResponse): void => {
    const operation = operationIdFor(request.method, request.url) ?? `${request.method} ${request.url}`;
    // File downloads are streamed to the caller: their (error) bodies are not read here.
    if (response.readableStreamBody !== undefined) return;
    const text = response.bodyAsText ?? "";
    const body: unknown = text === "" ? undefined : JSON.parse(text);
    checked += 1;
    // 304s and HEAD answers (Pool_Exists 404/412 included) carry no body on the wire, whatever schema the spec lists.
    if (response.status === 304 || (request.method === "HEAD" && body === undefined)) return;
    const errors = specErrors(operation, response.status, body);
    if (errors.length > 0) violations.push({ operation, status: response.status, errors });
  };
  const factory: RequestPolicyFactory = { create: (next, policyOptions) => new SpecCheckPolicy(next, policyOptions, record) };
  const credentials = new BatchSharedKeyCredentials(emulator.account.name, emulator.account.key);
  const client = new BatchServiceClient(credentials, emulator.url, {
    requestPolicyFactories: (defaults: RequestPolicyFactory[]) => [...defaults, factory],
    noRetryPolicy: true,
  });
  return {
    emulator,
    client,
    violations,
    checked: () => checked,
    advance: (ms) => emulator.clock.advance(ms),
    close: () => emulator.close(),
  };
}

/** The status and Batch error code of a failed SDK call (RestError from ms-rest-js). */
export async function batchError(
  call: Promise<unknown>,
): Promise<{ status: number; code: string; values: Array<{ key?: string; value?: string }> }> {
  try {
    await call;
  } catch (error: unknown) {
    const rest = error as {
      statusCode?: number;
      code?: string;
      body?: { code?: string; values?: Array<{ key?: string; value?: string }> };
    };
    return { status: rest.statusCode ?? 0, code: rest.body?.code ?? rest.code ?? "", values: rest.body?.values ?? [] };
  }
  throw new Error("expected the call to fail");
}

/** Adds a pool of `nodes` dedicated nodes and advances the clock until they are idle. */
export async function addReadyPool(
  harness: SdkHarness,
  poolId: string,
  options: { nodes?: number; taskSlotsPerNode?: number } = {},
): Promise<void> {
  await harness.client.pool.add({
    id: poolId,
    vmSize: "standard_d2s_v3",
    virtualMachineConfiguration: {
      imageReference: { publisher: "canonical", offer: "0001-com-ubuntu-server-jammy", sku: "22_04-lts", version: "latest" },
      nodeAgentSKUId: "batch.node.ubuntu 22.04",
    },
    targetDedicatedNodes: options.nodes ?? 1,
    taskSlotsPerNode: options.taskSlotsPerNode ?? 1,
  });
  harness.advance(60_000);
}
