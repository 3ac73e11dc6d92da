/**
 * SecretResolver for cluster mode: reads `{ name, key }` references from Secrets in the resource's
 * namespace, through a Secret informer (so a rotation is seen without polling), and reports which
 * Secrets changed so the resources referencing them are reconciled again.
 * Values are remembered only for redaction and never logged; errors name the Secret and key only.
 */
import type { Logger } from "pino";
import type { CoreV1Api, V1Secret } from "@kubernetes/client-node";
import type { SecretRef, SecretResolver } from "../runtime/ports.js";
import { Informer, type WatchClient } from "./informer.js";
import type { BackoffPolicy } from "../time/backoff.js";
import type { Clock } from "../time/clock.js";
import { toKubeApiError } from "./errors.js";
import type { SecretValues } from "./redaction.js";
import { WaitingError } from "../core/errors.js";
import { Reasons } from "../core/reasons.js";

/**
 * A referenced Secret or key does not exist (yet): the resource waits (no error backoff) until it
 * appears, and the Secret watch re-queues it then.
 */
export class SecretNotFoundError extends WaitingError {
  constructor(
    readonly namespace: string,
    readonly ref: SecretRef,
    detail: "secret" | "key",
  ) {
    super(
      Reasons.SecretNotFound,
      detail === "secret" ? `Secret ${namespace}/${ref.name} not found` : `Secret ${namespace}/${ref.name} has no key "${ref.key}"`,
    );
  }
}

export interface KubeSecretResolverOptions {
  readonly api: CoreV1Api;
  readonly watch: WatchClient;
  /** Watch only this namespace (when the controller is scoped to one). */
  readonly namespace?: string;
  readonly values: SecretValues;
  readonly logger?: Logger;
  readonly backoff?: BackoffPolicy;
  /** Time for the informer's backoff. Default the system clock. */
  readonly clock?: Clock;
  readonly watchTimeoutSeconds?: number;
}

export class KubeSecretResolver implements SecretResolver {
  readonly #options: KubeSecretResolverOptions;
  readonly #informer: Informer<V1Secret>;
  #onSecretChange: (namespace: string, name: string) => void = () => undefined;

  constructor(options: KubeSecretResolverOptions) {
    this.#options = options;
    const scope = options.namespace === undefined ? "" : `/namespaces/${encodeURIComponent(options.namespace)}`;
    this.#informer = new Informer<V1Secret>({
      name: "Secret",
      watchPath: `/api/v1${scope}/secrets`,
      list: () => this.#list(),
      watch: options.watch,
      logger: options.logger,
      backoff: options.backoff,
      clock: options.clock,
      watchTimeoutSeconds: options.watchTimeoutSeconds,
      onEvent: (event) => {
        const { namespace, name } = event.object.metadata ?? {};
        if (namespace !== undefined && name !== undefined) {
          this.#onSecretChange(namespace, name);
        }
      },
    });
  }

  /** Starts the Secret watch; `onSecretChange` is called for every added, changed or deleted Secret. */
  async start(onSecretChange: (namespace: string, name: string) => void, signal: AbortSignal): Promise<void> {
    this.#onSecretChange = onSecretChange;
    void this.#informer.run(signal);
    await Promise.race([this.#informer.synced(), new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }))]);
  }

  async resolveSecret(namespace: string, ref: SecretRef): Promise<string> {
    const secret = this.#informer.get(namespace, ref.name);
    if (secret === undefined) {
      throw new SecretNotFoundError(namespace, ref, "secret");
    }
    const value = decode(secret, ref.key);
    if (value === undefined) {
      throw new SecretNotFoundError(namespace, ref, "key");
    }
    this.#options.values.add(value);
    return value;
  }

  async #list(): Promise<{ items: V1Secret[]; resourceVersion: string }> {
    const { api, namespace } = this.#options;
    try {
      const list = namespace === undefined ? await api.listSecretForAllNamespaces() : await api.listNamespacedSecret({ namespace });
      return { items: list.items, resourceVersion: list.metadata?.resourceVersion ?? "" };
    } catch (err: unknown) {
      throw toKubeApiError("list Secrets", err);
    }
  }
}

/** `data` is base64 (as the API serves it); `stringData` is write-only but accepted if present. */
function decode(secret: V1Secret, key: string): string | undefined {
  const encoded = secret.data?.[key];
  if (encoded !== undefined) {
    return Buffer.from(encoded, "base64").toString("utf8");
  }
  return secret.stringData?.[key];
}
