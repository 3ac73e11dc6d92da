/** A desired source held in memory: the benchmark sets resources and the engine is told, as a watcher would. */
import type { DesiredResource, DesiredSource, Problem, ResourceKey } from "../../controller/runtime/ports.js";
import { resourceKey } from "../../controller/runtime/ports.js";

export class MemorySource implements DesiredSource {
  readonly #resources = new Map<ResourceKey, DesiredResource>();
  #onChange: ((key: ResourceKey) => void) | undefined;

  async start(onChange: (key: ResourceKey) => void): Promise<void> {
    this.#onChange = onChange;
  }

  get(key: ResourceKey): DesiredResource | undefined {
    return this.#resources.get(key);
  }

  keys(): ResourceKey[] {
    return [...this.#resources.keys()];
  }

  problems(): Problem[] {
    return [];
  }

  set(resource: DesiredResource): ResourceKey {
    const key = resourceKey(resource.kind, resource.namespace, resource.name);
    this.#resources.set(key, resource);
    this.#onChange?.(key);
    return key;
  }
}
