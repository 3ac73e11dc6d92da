/** `batch-gitops run`: parses the flags and dispatches to a mode (controller/directory, controller/kubernetes). */
import type { CliContext, Command } from "../command.js";
import { directoryProblem } from "../target.js";
import { usageFailure } from "../usage.js";
import { ConfigError, parseRunConfig, RUN_OPTIONS, type RunConfig } from "../../config/runConfig.js";
import type { RunIo } from "../../observability/runServices.js";
import type { ControllerFactory } from "../../runtime/ports.js";
import { limitHeapGrowth } from "../heapGrowth.js";

export type { ControllerFactory };

const USAGE = `Usage: batch-gitops run [options]

Runs the controller: makes Azure Batch match the BatchPool/BatchJob manifests and keeps it so.
With no --batch-url it starts the local Batch emulator in-process (fast demo timing), so
\`npm start\` works on a fresh clone with no Azure account.

Source:
  --dir DIR                  manifests directory (default manifests/examples); in Git mode, the
                             path inside the repository (default the repository root)
  --git-url URL              poll this Git repository (git CLI) into <state-dir>/checkout
  --git-branch B             branch to follow (default main)
  --git-poll-interval D      how often to fetch (default 30s)
  --source directory|kubernetes
                             kubernetes: BatchPool/BatchJob objects in a cluster (see README, cluster)
  --secrets-dir DIR          directory-mode secrets: files <DIR>/<secretName>/<key>

Cluster (--source kubernetes):
  --kubeconfig FILE          kubeconfig to use (default: the in-cluster service account)
  --namespace NS             only BatchPools/BatchJobs (and Secrets) of this namespace (default all)
  --label-selector SEL       only objects matching SEL, e.g. shard=a (shard across deployments)
  --leader-elect             one active replica via a coordination.k8s.io Lease
  --lease-name N             default batch-gitops
  --lease-namespace NS       default $POD_NAMESPACE, else default
  --lease-duration D         default 15s (--renew-deadline 10s, --retry-period 2s)
  --status-progress-interval D
                             min time between progress-only status writes (default 10s)

Azure Batch:
  --batch-url URL            account URL (or BATCH_ACCOUNT_URL); absent: the embedded emulator
  --auth entra|shared-key    Microsoft Entra ID (DefaultAzureCredential) or a shared key from
                             BATCH_ACCOUNT_NAME / BATCH_ACCOUNT_KEY; default shared-key when
                             BATCH_ACCOUNT_KEY is set, else entra
  --arm-resource-id ID       the account's Resource Manager id (or BATCH_ARM_RESOURCE_ID):
                             pools with spec.identity are written through ARM (Entra ID)
  --arm-endpoint URL         management endpoint (or BATCH_ARM_ENDPOINT; default
                             https://management.azure.com); docs/arm-and-identity.md

Behaviour:
  --resync-interval D        full resync / drift check of every resource (default 5m)
  --poll-interval D          how soon a resource still moving in Batch (a resize, running
                             tasks) is looked at again (default 5s)
  --concurrency N            resources reconciled in parallel (default 8)
  --once                     converge once and exit: resources not yet Ready (a job on a pool
                             being created) are reconciled again until Ready, Stalled or the
                             timeout. Exit 0: all Ready; 1: something is not Ready (invalid,
                             stalled, failed, or still reconciling at the timeout); 2: no
                             credential for Batch; 64: bad flags or --dir (docs/status.md)
  --once-timeout D           how long --once keeps reconciling (default 10m)
  --state-dir DIR            status file, Git checkout, live-view log (default .batch-gitops)
  --manager-id ID            batch-gitops/manager metadata of what this controller creates
                             (default batch-gitops; give each controller of one account its own)

Observability:
  --http-addr HOST:PORT|off  /metrics, /healthz, /readyz, /status (default 127.0.0.1:8080);
                             a non-loopback address is logged as a warning
  --allowed-hosts H1,H2      Host names those endpoints answer besides loopback ones (and, on a
                             non-loopback address, IP addresses); others get 403 (DNS rebinding)
  --alert-webhook URL        post drift and stall alerts (Alertmanager JSON)
  --log-format json|pretty   default pretty on a terminal, json otherwise
  --log-level LEVEL          fatal|error|warn|info|debug|trace|silent (default info, or LOG_LEVEL)
  --view auto|live|plain|off live table on a terminal (logs then go to <state-dir>/controller.log),
                             plain lines on stderr otherwise

Durations: 500ms, 30s, 5m, 1h. Flags known to run: ${Object.keys(RUN_OPTIONS).length}.`;

export function createRunCommand(createController: ControllerFactory): Command {
  return {
    name: "run",
    summary: "run the controller (directory or Git source; embedded Batch emulator by default)",
    usage: USAGE,
    run: (args, context?: CliContext) => {
      limitHeapGrowth();
      return runCommand(args, createController, {
        env: colorEnv(process.env, context),
        cwd: process.cwd(),
        stdout: process.stdout,
        stderr: process.stderr,
      });
    },
  };
}

/** --no-color reaches the run config as NO_COLOR, the one place colour is decided for run. */
function colorEnv(env: NodeJS.ProcessEnv, context: CliContext | undefined): Readonly<Record<string, string | undefined>> {
  return context?.color === false ? { ...env, NO_COLOR: "1" } : env;
}

async function runCommand(args: string[], createController: ControllerFactory, io: RunIo): Promise<number> {
  let config: RunConfig;
  try {
    config = parseRunConfig(args, { env: io.env, cwd: io.cwd, stdoutIsTTY: io.stdout.isTTY });
  } catch (err: unknown) {
    if (err instanceof ConfigError) {
      return usageFailure("run", err.message);
    }
    throw err;
  }
  const badDir = (await manifestsDirProblem(config)) ?? (await secretsDirProblem(config));
  if (badDir !== undefined) return usageFailure("run", badDir);
  const shutdown = new AbortController();
  const stopSignals = onStopSignals(shutdown, io);
  try {
    // Each mode loads its own adapters (@kubernetes/client-node is large): a directory run never loads it.
    if (config.source.kind === "kubernetes") {
      const { runClusterMode } = await import("../../kubernetes/clusterRun.js");
      return await runClusterMode(config, createController, shutdown.signal, io);
    }
    const { runDirectoryMode } = await import("../../directory/directoryMode.js");
    return await runDirectoryMode(config, createController, shutdown.signal, io);
  } finally {
    stopSignals();
  }
}

/**
 * A --dir that is not a directory is a typo, not an empty manifest set: read as one, it would prune
 * every pool and job the controller manages. (In Git mode the path is inside a checkout not made yet.)
 */
async function manifestsDirProblem(config: RunConfig): Promise<string | undefined> {
  if (config.source.kind !== "directory" || config.source.git !== undefined) return undefined;
  return directoryProblem("--dir", config.source.dir);
}

/** A --secrets-dir typo would leave every secret reference unresolved (SecretNotFound) until --once-timeout. */
async function secretsDirProblem(config: RunConfig): Promise<string | undefined> {
  if (config.secretsDir === undefined) return undefined;
  return directoryProblem("--secrets-dir", config.secretsDir);
}

/** SIGINT/SIGTERM stop gracefully; a second one exits at once. */
function onStopSignals(shutdown: AbortController, io: RunIo): () => void {
  const handler = (signal: NodeJS.Signals): void => {
    if (shutdown.signal.aborted) {
      io.stderr.write(`\n${signal} again: exiting now\n`);
      process.exit(130);
    }
    io.stderr.write(`\n${signal}: stopping (finishing in-flight Batch calls; again to force)\n`);
    shutdown.abort();
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return () => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  };
}
