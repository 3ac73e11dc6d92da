/**
 * Adds and removes our finalizer with JSON patches guarded by a `test` of resourceVersion, so we
 * never overwrite a finalizer list another controller changed meanwhile (kube-rs `finalizer.rs`);
 * a failed guard re-reads and retries.
 */
import type { Logger } from "pino";
import { parseResourceKey, type FinalizerState, type Finalizers, type ResourceKey } from "../runtime/ports.js";
import { FINALIZER, hasFinalizer, isBeingDeleted, type CustomResource } from "./resources.js";
import type { CustomResourceClient, ObjectName } from "./customObjects.js";
import { kubeStatusCode } from "./errors.js";

const MAX_ATTEMPTS = 5;

export type EnsureResult = "added" | "present" | "deleting" | "gone";
export type RemoveResult = "removed" | "absent" | "gone";

export class FinalizerManager {
  constructor(
    private readonly client: CustomResourceClient,
    private readonly logger?: Logger,
  ) {}

  /** Adds the finalizer unless present; never to an object already being deleted (the API forbids new finalizers then). */
  async ensure(ref: ObjectName): Promise<EnsureResult> {
    return this.#withRetries(ref, (object) => {
      if (isBeingDeleted(object)) {
        return { result: "deleting" };
      }
      const finalizers = object.metadata?.finalizers;
      if (finalizers?.includes(FINALIZER)) {
        return { result: "present" };
      }
      const add =
        finalizers === undefined
          ? { op: "add", path: "/metadata/finalizers", value: [FINALIZER] }
          : { op: "add", path: "/metadata/finalizers/-", value: FINALIZER };
      return { result: "added", operations: [add] };
    });
  }

  /** Removes the finalizer; the API server then completes a pending deletion. */
  async remove(ref: ObjectName): Promise<RemoveResult> {
    return this.#withRetries(ref, (object) => {
      const index = object.metadata?.finalizers?.indexOf(FINALIZER) ?? -1;
      if (index < 0) {
        return { result: "absent" };
      }
      return { result: "removed", operations: [{ op: "remove", path: `/metadata/finalizers/${index}` }] };
    });
  }

  async #withRetries<R extends string>(
    ref: ObjectName,
    decide: (object: CustomResource) => { result: R; operations?: object[] },
  ): Promise<R | "gone"> {
    for (let attempt = 1; ; attempt++) {
      const object = await this.client.get(ref);
      if (object === undefined) {
        return "gone";
      }
      const { result, operations } = decide(object);
      if (operations === undefined) {
        return result;
      }
      const guard = { op: "test", path: "/metadata/resourceVersion", value: object.metadata?.resourceVersion };
      try {
        await this.client.jsonPatch(ref, [guard, ...operations]);
        return result;
      } catch (err: unknown) {
        if (kubeStatusCode(err) === 404) {
          return "gone";
        }
        if (!raced(err) || attempt >= MAX_ATTEMPTS) {
          throw err;
        }
        this.logger?.debug({ ...ref }, "finalizer patch raced with another write; retrying");
      }
    }
  }
}

/** 409 or a failed `test` (422): someone changed the object between our read and the patch. */
function raced(err: unknown): boolean {
  const status = kubeStatusCode(err);
  return status === 409 || status === 422;
}

/**
 * Cluster mode's Finalizers port: the engine ensures our finalizer before its first Batch write for
 * a resource and releases it after a prune left nothing in Batch. The informer's copy answers the
 * common case (already there) without an API call, so a resync costs no finalizer traffic.
 */
export class KubeFinalizers implements Finalizers {
  constructor(
    private readonly manager: FinalizerManager,
    /** The informer's current copy of an object. */
    private readonly lookup: (key: ResourceKey) => CustomResource | undefined,
    private readonly logger?: Logger,
  ) {}

  async ensure(key: ResourceKey): Promise<FinalizerState> {
    const cached = this.lookup(key);
    if (cached !== undefined && hasFinalizer(cached)) return "present";
    const result = await this.manager.ensure(parseResourceKey(key));
    if (result === "added") this.logger?.debug({ key }, "finalizer added");
    return result;
  }

  async release(key: ResourceKey): Promise<void> {
    const result = await this.manager.remove(parseResourceKey(key));
    if (result === "removed") this.logger?.info({ key }, "finalizer removed; deletion can complete");
  }
}
