/**
 * Several Batch accounts (ADR 0025): one engine per account, each with its own work queue,
 * backoff, shared listing (ADR 0004) and adapter, over one desired-state source. An account that
 * does not answer only occupies its own workers and backoff: the others' resyncs never wait on its
 * timeouts. Resources name their account with `spec.accountRef`; without it, the account given by
 * flags (`default`).
 */
import type { BatchAdapter } from "../batch/adapter.js";
import { accountRefOf } from "../manifests/index.js";
import { createAccountAdapter, type AccountConnector } from "./accountAdapter.js";
import { createController, type EngineOptions } from "./controller.js";
import {
  parseResourceKey,
  resourceKey,
  type Controller,
  type DesiredResource,
  type DesiredSource,
  type OnceOptions,
  type OnceReport,
  type Problem,
  type ReconcileOutcome,
  type ResourceKey,
  type ResourceStatus,
  type SourceChange,
  type StatusWriter,
} from "./ports.js";
import { missingAccountMessage } from "../manifests/index.js";

/** The account given by flags or environment (or the embedded emulator). */
export const DEFAULT_ACCOUNT = "default";

/** `default`, or the `namespace/name` of the BatchAccount a resource names (a BatchAccount is its own). */
export function accountOf(desired: Pick<DesiredResource, "kind" | "namespace" | "name" | "spec">): string {
  if (desired.kind === "BatchAccount") return `${desired.namespace}/${desired.name}`;
  const ref = accountRefOf(desired.spec);
  return ref === undefined ? DEFAULT_ACCOUNT : `${desired.namespace}/${ref}`;
}

export interface MultiAccountOptions extends EngineOptions {
  /** Engine factory (tests); default createController. */
  readonly createEngine?: (options: EngineOptions) => Controller;
}

/** Which account each key belongs to; a removed key keeps the account it was last seen in. */
class AccountRouter {
  readonly #last = new Map<ResourceKey, string>();

  constructor(private readonly source: DesiredSource) {}

  /** The account of a key, undefined for one never seen with a valid spec. */
  route(key: ResourceKey): string | undefined {
    const desired = this.source.get(key);
    if (desired === undefined) return this.#last.get(key);
    const account = accountOf(desired);
    // An accountRef to an undefined BatchAccount: the default engine stalls it (AccountNotFound).
    const routed = account === DEFAULT_ACCOUNT || this.declared(account) ? account : DEFAULT_ACCOUNT;
    this.#last.set(key, routed);
    return routed;
  }

  declared(account: string): boolean {
    const [namespace = "", name = ""] = account.split("/");
    return this.source.get(resourceKey("BatchAccount", namespace, name)) !== undefined;
  }

  /** A key whose accountRef names no BatchAccount, or a job whose pool is in another account. */
  accountProblem(key: ResourceKey): Problem | undefined {
    const desired = this.source.get(key);
    if (desired === undefined || desired.kind === "BatchAccount") return undefined;
    const account = accountOf(desired);
    if (account !== DEFAULT_ACCOUNT && !this.declared(account)) {
      const name = account.slice(account.indexOf("/") + 1);
      return {
        severity: "error",
        key,
        rule: "missing-account",
        path: "spec.accountRef.name",
        message: missingAccountMessage(desired.namespace, name),
      };
    }
    return desired.kind === "BatchJob" ? this.#poolElsewhere(key, desired, account) : undefined;
  }

  /** A Batch job runs on a pool of its own account: a poolRef to another account's pool is refused. */
  #poolElsewhere(key: ResourceKey, job: DesiredResource, account: string): Problem | undefined {
    const spec = job.spec as { poolRef?: { name?: unknown } } | undefined;
    const poolName = spec?.poolRef?.name;
    const pool = typeof poolName === "string" ? this.source.get(resourceKey("BatchPool", job.namespace, poolName)) : undefined;
    if (pool === undefined || accountOf(pool) === account) return undefined;
    const message = `the job is in account ${account} but its pool ${String(poolName)} is in ${accountOf(pool)}; a Batch job runs on a pool of its own account`;
    return { severity: "error", key, rule: "account-mismatch", path: "spec.accountRef.name", message };
  }

  /** Another account's key, for the engine of `account`. Unrouted keys with problems belong to the default engine. */
  elsewhere(key: ResourceKey, account: string): boolean {
    const routed = this.route(key);
    if (routed !== undefined) return routed !== account;
    return account !== DEFAULT_ACCOUNT && this.source.problemsFor?.(key).some((p) => p.severity === "error") === true;
  }
}

/** The shared source as one account's engine sees it: only its keys, its problems, and the source started once. */
function accountView(account: string, shared: SharedSource): DesiredSource {
  const { source, router } = shared;
  const mine = (key: ResourceKey): boolean => !router.elsewhere(key, account);
  // The cross-resource account rules, for sources that do not check them (cluster mode).
  const synthesized = (key: ResourceKey): Problem[] => {
    const found = router.accountProblem(key);
    if (found === undefined) return [];
    const known = source.problemsFor?.(key) ?? source.problems().filter((p) => p.key === key);
    return known.some((p) => p.rule === found.rule) ? [] : [found];
  };
  return {
    start: async (onChange, signal) => {
      shared.listeners.set(account, onChange);
      await shared.start(signal);
    },
    get: (key) => (mine(key) ? source.get(key) : undefined),
    keys: () => source.keys().filter((key) => router.route(key) === account),
    problems: () => [
      ...source.problems().filter((p) => (p.key === undefined ? account === DEFAULT_ACCOUNT : mine(p.key))),
      ...source.keys().filter(mine).flatMap(synthesized),
    ],
    problemsFor: (key) =>
      mine(key) ? [...(source.problemsFor?.(key) ?? source.problems().filter((p) => p.key === key)), ...synthesized(key)] : [],
    elsewhere: (key) => router.elsewhere(key, account),
    pruneHold: () => source.pruneHold?.(),
  };
}

interface SharedSource {
  readonly source: DesiredSource;
  readonly router: AccountRouter;
  readonly listeners: Map<string, (key: ResourceKey, change?: SourceChange) => void>;
  start(signal: AbortSignal): Promise<void>;
}

/** Adds the account to every status the engine of `account` writes. */
function statusWithAccount(inner: StatusWriter, account: string): StatusWriter {
  return {
    write: (key, status, meta) => inner.write(key, { ...status, account }, meta),
    ...(inner.remove === undefined ? {} : { remove: (key: ResourceKey) => inner.remove?.(key) ?? Promise.resolve() }),
  };
}

class MultiAccountController implements Controller {
  readonly #opts: MultiAccountOptions;
  readonly #shared: SharedSource;
  readonly #engines = new Map<string, Controller>();
  readonly #runs: Promise<void>[] = [];
  readonly #started = new Set<string>();
  #running = false;
  #failed: ((error: unknown) => void) | undefined;

  constructor(options: MultiAccountOptions) {
    this.#opts = options;
    const router = new AccountRouter(options.source);
    let started: Promise<void> | undefined;
    const listeners = new Map<string, (key: ResourceKey, change?: SourceChange) => void>();
    this.#shared = {
      source: options.source,
      router,
      listeners,
      start: (signal) => (started ??= options.source.start((key, change) => this.#dispatch(key, change), signal)),
    };
  }

  /** A changed key goes to its account's engine (created on first use). */
  #dispatch(key: ResourceKey, change?: SourceChange): void {
    const account = this.#shared.router.route(key) ?? DEFAULT_ACCOUNT;
    this.#engine(account);
    this.#shared.listeners.get(account)?.(key, change);
  }

  #engine(account: string): Controller {
    const existing = this.#engines.get(account);
    if (existing !== undefined) return existing;
    const engine = (this.#opts.createEngine ?? createController)({
      ...this.#opts,
      source: accountView(account, this.#shared),
      batch: account === DEFAULT_ACCOUNT ? this.#opts.batch : this.#adapter(account),
      status: statusWithAccount(this.#opts.status, account),
    });
    this.#engines.set(account, engine);
    if (this.#running) this.#start(account, engine);
    return engine;
  }

  #start(account: string, engine: Controller): void {
    if (this.#started.has(account)) return;
    this.#started.add(account);
    this.#runs.push(engine.run().catch((error: unknown) => this.#failed?.(error)));
  }

  #adapter(account: string): BatchAdapter {
    const connect = this.#opts.connectAccount;
    const o = this.#opts;
    if (connect === undefined) {
      const refuse: AccountConnector = () => {
        throw new Error(`this controller serves only its default account; ${account} cannot be reached`);
      };
      return createAccountAdapter({ account, source: o.source, secrets: o.secrets, connect: refuse });
    }
    return createAccountAdapter({ account, source: o.source, secrets: o.secrets, connect });
  }

  /** Every account the source names (the default always). */
  #accounts(): string[] {
    const accounts = new Set<string>([DEFAULT_ACCOUNT]);
    for (const key of this.#opts.source.keys()) accounts.add(this.#shared.router.route(key) ?? DEFAULT_ACCOUNT);
    return [...accounts];
  }

  async run(): Promise<void> {
    const { signal } = this.#opts;
    await this.#shared.start(signal);
    this.#running = true;
    const failure = new Promise<never>((_, reject) => (this.#failed = reject));
    for (const account of this.#accounts()) this.#engine(account);
    for (const [account, engine] of this.#engines) this.#start(account, engine);
    const stopped = new Promise<void>((resolve) =>
      signal.aborted ? resolve() : signal.addEventListener("abort", () => resolve(), { once: true }),
    );
    await Promise.race([stopped, failure]);
    await Promise.all(this.#runs);
  }

  async runOnce(options?: OnceOptions): Promise<OnceReport> {
    await this.#shared.start(this.#opts.signal);
    const engines = this.#accounts().map((account) => this.#engine(account));
    const reports = await Promise.all(engines.map((engine) => engine.runOnce(options)));
    const problems = reports.flatMap((r) => r.problems);
    const resources = reports.flatMap((r) => r.resources).sort((a, b) => a.key.localeCompare(b.key));
    return { converged: reports.every((r) => r.converged), timedOut: reports.some((r) => r.timedOut), resources, problems };
  }

  reconcileNow(key: ResourceKey): Promise<ReconcileOutcome> {
    parseResourceKey(key);
    return this.#engine(this.#shared.router.route(key) ?? DEFAULT_ACCOUNT).reconcileNow(key);
  }

  reconcileRequested(key: ResourceKey): Promise<ReconcileOutcome> {
    parseResourceKey(key);
    return this.#engine(this.#shared.router.route(key) ?? DEFAULT_ACCOUNT).reconcileRequested(key);
  }

  snapshot(): ReadonlyMap<ResourceKey, ResourceStatus> {
    const merged = new Map<ResourceKey, ResourceStatus>();
    for (const engine of this.#engines.values()) for (const [key, status] of engine.snapshot()) merged.set(key, status);
    return merged;
  }

  async idle(): Promise<void> {
    await Promise.all([...this.#engines.values()].map((engine) => engine.idle()));
  }
}

export function createMultiAccountController(options: MultiAccountOptions): Controller {
  return new MultiAccountController(options);
}
