import type { AddressInfo } from "node:net";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalExecutor } from "./execution/local-executor.js";
import { createClock, type ClockMode, type EmulatorClock } from "./clock.js";
import { resolveTiming, type Timing, type TimingPreset } from "./timing.js";
import { EmulatorState } from "./store/account-store.js";
import { Router } from "./http/router.js";
import { createBatchServer, type Middleware, type ResponseObserver, type SideHandler } from "./http/server.js";
import { registerAllRoutes } from "./resources/registry.js";
import type { Account } from "./http/authenticate.js";
import { createControlState, installControlApi, type ControlState } from "./control/control-api.js";

/** The well-known development account (CONTRIBUTING.md, emulator/README.md), like Azurite's devstoreaccount1. */
export const devAccount: Account = {
  name: "devbatchaccount1",
  key: "3xt/UZFfkwRzHaTv99/Ut8QlLn0yLt+FX0K0na9jgn6XdNwTZquQYAD8o5ITQToyBKc1zAvIw3LWtU4fkD0Z6Q==",
};

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
  /** Where local nodes live (default: a new directory under the system's temp dir). */
  workDir?: string;
}

export interface RunningEmulator {
  /** e.g. http://127.0.0.1:8089 — the Batch account URL to give the SDK. */
  readonly url: string;
  /** The default account. */
  readonly account: Account;
  readonly accounts: readonly Account[];
  readonly clock: EmulatorClock;
  readonly state: EmulatorState;
  readonly timing: Timing;
  /** With execute "local": where the nodes' directory trees are. */
  readonly workDir?: string;
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

/** Starts an emulator on 127.0.0.1 (only loopback: it is a development tool with a public key). */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const accounts = options.accounts ?? [devAccount];
  const first = accounts[0];
  if (first === undefined) throw new Error("startEmulator needs at least one account");
  const clock = createClock(options.clock ?? "real");
  const timing = resolveTiming(options.timingPreset, options.timing);
  const executor = options.execute === "local" ? new LocalExecutor(options.workDir ?? mkdtempSync(join(tmpdir(), "batch-emulator-"))) : undefined;
  const state = new EmulatorState(
    accounts.map((a) => a.name),
    clock,
    timing,
    executor,
  );
  const router = new Router();
  registerAllRoutes(router);
  const middlewares: Middleware[] = [];
  const observers: ResponseObserver[] = [];
  const sideHandlers: SideHandler[] = [];
  const server = createBatchServer({
    router,
    state,
    accounts,
    middlewares,
    observers,
    guard: { allowedHosts: options.allowedHosts ?? [] },
    sideHandler: async (req, res, body) => {
      for (const handler of sideHandlers) if (await handler(req, res, body)) return true;
      return false;
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  const emulator: RunningEmulator = {
    url: `http://127.0.0.1:${address.port}`,
    account: first,
    accounts,
    clock,
    state,
    timing,
    ...(executor === undefined ? {} : { workDir: executor.workDir }),
    router,
    control: createControlState(clock),
    use: (m) => void middlewares.push(m),
    observe: (o) => void observers.push(o),
    addSideHandler: (h) => void sideHandlers.push(h),
    close: () =>
      new Promise<void>((resolve) => {
        state.reset();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  installControlApi(emulator);
  return emulator;
}

export type { Account } from "./http/authenticate.js";
export type { EmulatorClock } from "./clock.js";
export type { Timing } from "./timing.js";
