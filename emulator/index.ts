import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalExecutor, type LocalExecutorOptions } from "./execution/local-executor.js";
import type { ContainerEngineChoice } from "./execution/container-engine.js";
import { createClock, type ClockMode, type EmulatorClock } from "./clock.js";
import { resolveTiming, type Timing, type TimingPreset } from "./timing.js";
import { EmulatorState } from "./store/account-store.js";
import { Router } from "./http/router.js";
import { createBatchServer, type Middleware, type ResponseObserver, type SideHandler } from "./http/server.js";
import { registerAllRoutes } from "./resources/registry.js";
import { checkRequestBody } from "./resources/request-schema.js";
import { isArmPath, serveArm } from "./arm/arm-api.js";
import type { Account } from "./http/authenticate.js";
import { createControlState, installControlApi, type ControlState } from "./control/control-api.js";
import { PersistentState } from "./persistence/persistent-state.js";
import { BatchError } from "./http/errors.js";

import { devAccount } from "./devAccount.js";

export { devAccount };

export interface EmulatorOptions {
  /** TCP port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Accounts served; the first is the default (and the one bearer tokens address). Default: the dev account. */
  accounts?: Account[];
  /** Duration preset (default fast) and per-field overrides. */
  timingPreset?: TimingPreset;
  timing?: Partial<Timing>;
  /** "virtual" makes time stand still until `clock.advance(ms)` (tests). Default "real". */
  clock?: ClockMode;
  /**
   * Host names accepted in Host and Origin headers besides loopback ones (localhost, 127.x, ::1).
   * Anything else is refused: a web page must not reach the emulator through DNS rebinding.
   */
  allowedHosts?: string[];
  /**
   * "simulated" (default): tasks are not run, their outcome is simulated. "local": start tasks and tasks run
   * as processes on this machine, each node a directory tree under `workDir` (docs/adr/0020).
   */
  execute?: "simulated" | "local";
  /** Where local nodes live (default: `<location>/nodes` with a location, else a new directory under the system's temp dir). */
  workDir?: string;
  /**
   * Like Azurite's --location: accounts' pools, jobs and tasks are kept in this directory (a journal of
   * acknowledged changes and a snapshot, docs/adr/0023) and loaded again on the next start. Default: in memory.
   */
  location?: string;
  /**
   * Local mode: the account's linked auto-storage account, as a storage connection string (e.g. Azurite's
   * development account); resource files with `autoStorageContainerName` come from its containers.
   */
  autoStorage?: string;
  /**
   * Local mode: what runs container tasks. "auto" (default): docker, else podman, when `docker info` /
   * `podman info` succeed; "none": container tasks run their command line on the host (and say so).
   */
  containerEngine?: ContainerEngineChoice;
  /**
   * Serve each account on its own port (`port`, `port`+1, ... or free ones with 0), as each real
   * account has its own host: a port answers only its account (SharedKey naming another is refused,
   * bearer tokens address it). Default false: one port, the account named by the SharedKey header.
   */
  portPerAccount?: boolean;
  /**
   * PEM certificate and key: also listen for HTTPS (on `httpsPort`, default a free port; every account),
   * where Azure SDKs send bearer tokens, e.g. Resource Manager's (emulator/arm/). See http/dev-cert.ts.
   */
  tls?: { cert: string; key: string };
  httpsPort?: number;
}

export interface RunningEmulator {
  /** e.g. http://127.0.0.1:8089 — the Batch account URL to give the SDK. */
  readonly url: string;
  /** The default account. */
  readonly account: Account;
  /** Each account's URL: with portPerAccount its own port, otherwise `url` for all. */
  readonly accountUrls: Readonly<Record<string, string>>;
  readonly accounts: readonly Account[];
  /** With `tls`: e.g. https://127.0.0.1:8443, the same API (and Resource Manager's pools) over HTTPS. */
  readonly httpsUrl?: string;
  readonly clock: EmulatorClock;
  readonly state: EmulatorState;
  readonly timing: Timing;
  /** With execute "local": where the nodes' directory trees are. */
  readonly workDir?: string;
  /** With a location: bytes of a torn last journal record that were ignored on load (0 when intact). */
  readonly tornJournalBytes?: number;
  readonly router: Router;
  /** Faults, rate limits and counters (also reachable over HTTP under /_emulator/). */
  readonly control: ControlState;
  /** Adds a middleware around every Batch operation (runs after those added before). */
  use(middleware: Middleware): void;
  /** Observes every Batch response (counters). */
  observe(observer: ResponseObserver): void;
  /** Serves requests outside the Batch API (the control API under /_emulator/). */
  addSideHandler(handler: SideHandler): void;
  close(): Promise<void>;
}

function localExecutor(options: EmulatorOptions): LocalExecutor | undefined {
  return options.execute === "local" ? new LocalExecutor(localWorkDir(options), executorOptions(options)) : undefined;
}

/** One server per group of accounts, on `basePort`, `basePort`+1, ... (free ports with 0). */
async function listenAll(serve: (served: readonly Account[]) => Server, groups: readonly Account[][], basePort: number) {
  const servers: Server[] = [];
  const accountUrls: Record<string, string> = {};
  for (const [index, served] of groups.entries()) {
    const server = serve(served);
    servers.push(server);
    const url = await listen(server, basePort === 0 ? 0 : basePort + index);
    for (const account of served) accountUrls[account.name] = url;
  }
  return { servers, accountUrls };
}

/** With `tls`, one more server over HTTPS for every account; its URL. */
async function listenTls(
  serve: (served: readonly Account[], tls?: EmulatorOptions["tls"]) => Server,
  accounts: readonly Account[],
  options: EmulatorOptions,
  servers: Server[],
): Promise<string | undefined> {
  if (options.tls === undefined) return undefined;
  const server = serve(accounts, options.tls);
  servers.push(server);
  return (await listen(server, options.httpsPort ?? 0)).replace(/^http:/, "https:");
}

function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

/** Listens on 127.0.0.1 (only loopback); resolves with the server's URL. */
async function listen(server: Server, port: number): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Starts an emulator on 127.0.0.1 (only loopback: it is a development tool with a public key). */
function firstAccount(accounts: readonly Account[]): Account {
  const first = accounts[0];
  if (first === undefined) throw new Error("startEmulator needs at least one account");
  return first;
}

/** One server for all accounts, or (portPerAccount) one per account. */
function serverGroups(options: EmulatorOptions, accounts: Account[]): Account[][] {
  return options.portPerAccount === true ? accounts.map((a) => [a]) : [accounts];
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const accounts = options.accounts ?? [devAccount];
  const first = firstAccount(accounts);
  const clock = createClock(options.clock ?? "real");
  const timing = resolveTiming(options.timingPreset, options.timing);
  const executor = localExecutor(options);
  const state = new EmulatorState(
    accounts.map((a) => a.name),
    clock,
    timing,
    executor,
  );
  // Loaded before the server listens, so no request sees a half-restored state.
  const persisted = options.location === undefined ? undefined : PersistentState.open(options.location, state);
  const router = new Router();
  registerAllRoutes(router);
  const middlewares: Middleware[] = [];
  const observers: ResponseObserver[] = [];
  const sideHandlers: SideHandler[] = [];
  const serve = (served: readonly Account[], tls?: EmulatorOptions["tls"]) =>
    createBatchServer({
      router,
      state,
      accounts: served,
      middlewares,
      observers,
      checkBody: checkRequestBody,
      guard: { allowedHosts: options.allowedHosts ?? [] },
      arm: { matches: isArmPath, serve: (req, res, read) => serveArm(state, req, res, read) },
      sideHandler: async (req, res, body) => {
        for (const handler of sideHandlers) if (await handler(req, res, body)) return true;
        return false;
      },
      ...(tls === undefined ? {} : { tls }),
    });
  const { servers, accountUrls } = await listenAll(serve, serverGroups(options, accounts), options.port ?? 0);
  const httpsUrl = await listenTls(serve, accounts, options, servers);
  const emulator: RunningEmulator = {
    url: accountUrls[first.name] ?? "",
    ...(httpsUrl === undefined ? {} : { httpsUrl }),
    account: first,
    accountUrls,
    accounts,
    clock,
    state,
    timing,
    ...optionalParts(executor, persisted),
    router,
    control: createControlState(clock),
    use: (m) => void middlewares.push(m),
    observe: (o) => void observers.push(o),
    addSideHandler: (h) => void sideHandlers.push(h),
    close: async () => {
      // Written before the reset below drops the state (and kills local processes).
      persisted?.persistence.close();
      state.reset();
      emulator.control.faults.close();
      await Promise.all(servers.map(closeServer));
    },
  };
  installControlApi(emulator);
  // Innermost, after faults and rate limits: a mutation is in the journal (fsynced) before it is answered.
  if (persisted !== undefined) emulator.use(journalMiddleware(persisted.persistence));
  return emulator;
}

function optionalParts(
  executor: LocalExecutor | undefined,
  persisted: { tornBytes: number } | undefined,
): { workDir?: string; tornJournalBytes?: number } {
  return {
    ...(executor === undefined ? {} : { workDir: executor.workDir }),
    ...(persisted === undefined ? {} : { tornJournalBytes: persisted.tornBytes }),
  };
}

function executorOptions(options: EmulatorOptions): LocalExecutorOptions {
  return {
    ...(options.autoStorage === undefined ? {} : { autoStorage: options.autoStorage }),
    ...(options.containerEngine === undefined ? {} : { containerEngine: options.containerEngine }),
  };
}

function localWorkDir(options: EmulatorOptions): string {
  if (options.workDir !== undefined) return options.workDir;
  if (options.location !== undefined) return join(options.location, "nodes");
  return mkdtempSync(join(tmpdir(), "batch-emulator-"));
}

function journalMiddleware(persistence: PersistentState): Middleware {
  return async (ctx, next) => {
    const outcome = await next();
    const method = ctx.req.method ?? "GET";
    if (method === "GET" || method === "HEAD") return outcome;
    try {
      persistence.flush();
    } catch (error: unknown) {
      // Not durable, so not acknowledged: the client sees a server error and retries.
      console.error(`emulator: could not write the journal: ${error instanceof Error ? error.message : String(error)}`);
      throw new BatchError(500, "InternalError");
    }
    return outcome;
  };
}

export type { Account } from "./http/authenticate.js";
export type { EmulatorClock } from "./clock.js";
export type { Timing } from "./timing.js";
