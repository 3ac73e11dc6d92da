/**
 * The Batch-aware rules of `validate` (controller/validation) applied to cluster objects, so a
 * resource the API server accepted but Batch would refuse (a gallery image with shared-key auth,
 * a node agent SKU that does not match the image...) is reported as a problem and gets no Batch
 * write, as in directory mode. Results are cached per object version: the engine asks on every reconcile.
 */
import type { Problem, ResourceKey } from "../runtime/ports.js";
import { validateBatchRules, type AuthMode } from "../validation/index.js";
import type { BatchResource } from "../model/index.js";
import type { CustomResource } from "./resources.js";

export class BatchRuleChecker {
  readonly #cache = new Map<ResourceKey, { version: string; problems: Problem[] }>();

  constructor(private readonly authMode: AuthMode) {}

  problemsOf(key: ResourceKey, object: CustomResource): Problem[] {
    const version = object.metadata?.resourceVersion ?? "";
    const cached = this.#cache.get(key);
    if (cached?.version === version) {
      return cached.problems;
    }
    // The API server validated the object against the CRD schema generated from the model, so it
    // has the model's shape; the rules read only its spec.
    const findings = validateBatchRules(object as unknown as BatchResource, { authMode: this.authMode });
    const problems: Problem[] = findings.map((f) => ({ severity: f.severity, message: f.message, key, path: f.path, rule: f.rule }));
    this.#cache.set(key, { version, problems });
    return problems;
  }

  /** Drops cached results of objects no longer present. */
  retain(keys: ReadonlySet<ResourceKey>): void {
    for (const key of this.#cache.keys()) {
      if (!keys.has(key)) {
        this.#cache.delete(key);
      }
    }
  }
}
