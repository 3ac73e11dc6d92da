/**
 * The controller as the cluster install runs it, against the real API server: the ServiceAccount and
 * RBAC rendered from manifests/deploy/controller with `kubectl kustomize`, a token minted through the
 * TokenRequest API (`kubectl create token`), and `runKubernetesMode` with the real engine talking to
 * the Batch emulator over HTTP.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { KubeConfig } from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import { createBatchAdapter } from "../../controller/batch/batchAdapter.js";
import { sharedKeyCredentials } from "../../controller/batch/credentials.js";
import type { LeaderElectionConfig } from "../../controller/config/clusterConfig.js";
import { runKubernetesMode } from "../../controller/kubernetes/kubernetesMode.js";
import { createRootLogger } from "../../controller/observability/logger.js";
import { createMultiAccountController } from "../../controller/runtime/accounts.js";
import { accountConnector } from "../../controller/batch/connect.js";
import type { ControllerOptions } from "../../controller/runtime/ports.js";
import { devAccount, startEmulator, type Account, type RunningEmulator } from "../../emulator/index.js";

/** The emulator's second account, which BatchAccount objects name. */
export const SECOND_ACCOUNT: Account = { name: "teameast", key: Buffer.from("team east's development key").toString("base64") };
import { kubectl, type RealKubeContext } from "./context.js";

export const CONTROLLER_NAMESPACE = "batch-gitops-system";
export const SERVICE_ACCOUNT = "batch-gitops-controller";
export const SERVICE_ACCOUNT_USER = `system:serviceaccount:${CONTROLLER_NAMESPACE}:${SERVICE_ACCOUNT}`;

async function must(k: RealKubeContext, args: string[], input?: string): Promise<string> {
  const result = await kubectl(k, args, { input });
  if (result.code !== 0) {
    throw new Error(`kubectl ${args.join(" ")} failed: ${result.stderr}`);
  }
  return result.stdout;
}

/** `kubectl kustomize manifests/deploy/controller`, applied server-side; returns the rendered objects. */
export async function installController(k: RealKubeContext): Promise<Record<string, unknown>[]> {
  const rendered = await must(k, ["kustomize", "manifests/deploy/controller"]);
  await must(k, ["apply", "--server-side", "--field-manager=realkube-test", "-f", "-"], rendered);
  return parseAllDocuments(rendered).map((d) => d.toJS() as Record<string, unknown>);
}

/** A kubeconfig that authenticates as the controller's ServiceAccount with a TokenRequest token. */
export async function serviceAccountKubeconfig(k: RealKubeContext, file: string): Promise<string> {
  const token = (await must(k, ["create", "token", SERVICE_ACCOUNT, "-n", CONTROLLER_NAMESPACE, "--duration=2h"])).trim();
  const admin = new KubeConfig();
  admin.loadFromFile(k.kubeconfig);
  const cluster = admin.getCurrentCluster();
  if (cluster === null) {
    throw new Error("the admin kubeconfig has no cluster");
  }
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: "local", server: cluster.server, caData: cluster.caData }],
    users: [{ name: SERVICE_ACCOUNT, token }],
    contexts: [{ name: "controller", cluster: "local", user: SERVICE_ACCOUNT, namespace: CONTROLLER_NAMESPACE }],
    currentContext: "controller",
  });
  writeFileSync(file, config.exportConfig(), { mode: 0o600 });
  return file;
}

export interface ControllerReplica {
  readonly name: string;
  readonly batchCalls: Map<string, number>;
  readonly exited: Promise<number>;
  stop(): Promise<number>;
}

export interface ControllerRig {
  readonly emulator: RunningEmulator;
  readonly kubeconfig: string;
  /** The objects `kubectl kustomize manifests/deploy/controller` rendered and the test applied. */
  readonly installed: readonly Record<string, unknown>[];
  readonly logs: string[];
  startReplica(options?: { name?: string; namespace?: string; leaderElection?: LeaderElectionConfig }): ControllerReplica;
  close(): Promise<void>;
}

/** Installs the controller's RBAC, mints its token, starts the emulator; replicas start on demand. */
export async function startControllerRig(k: RealKubeContext): Promise<ControllerRig> {
  const installed = await installController(k);
  const kubeconfig = await serviceAccountKubeconfig(k, join(k.dir, "controller.kubeconfig"));
  // A second account on its own port, for BatchAccount objects (docs/accounts.md).
  const emulator = await startEmulator({ timingPreset: "fast", accounts: [devAccount, SECOND_ACCOUNT], portPerAccount: true });
  const logs: string[] = [];
  const replicas: ControllerReplica[] = [];
  return {
    emulator,
    kubeconfig,
    installed,
    logs,
    startReplica: (options = {}) => {
      const replica = startReplica({ ...options, emulator, kubeconfig, logs, name: options.name ?? `replica-${replicas.length}` });
      replicas.push(replica);
      return replica;
    },
    close: async () => {
      await Promise.all(replicas.map((r) => r.stop()));
      await emulator.close();
    },
  };
}

export interface ReplicaInputs {
  readonly emulator: RunningEmulator;
  /** A kubeconfig file: the controller's ServiceAccount, or admin where RBAC is not the point. */
  readonly kubeconfig: string;
  readonly logs: string[];
  readonly name: string;
  /** Only this namespace (the files share one server: each controller keeps to its own). */
  readonly namespace?: string;
  readonly leaderElection?: LeaderElectionConfig;
}

/** One controller replica in this process (`runKubernetesMode` with the real engine). */
export function startReplica({ emulator, kubeconfig, logs, name, namespace, leaderElection }: ReplicaInputs): ControllerReplica {
  const batchCalls = new Map<string, number>();
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(
        ...chunk
          .toString("utf8")
          .split("\n")
          .filter((l) => l !== ""),
      );
      callback();
    },
  });
  const logger = createRootLogger({ format: "json", level: "debug", destination: sink }).child({ replica: name });
  const batch = createBatchAdapter({
    accountUrl: emulator.url,
    credentials: sharedKeyCredentials(emulator.account.name, emulator.account.key),
    retry: { baseDelayMs: 20, maxDelayMs: 200 },
    attemptTimeoutMs: 5_000,
    onCall: (operation) => batchCalls.set(operation, (batchCalls.get(operation) ?? 0) + 1),
  });
  const shutdown = new AbortController();
  // As `run` builds it: one engine per Batch account (runtime/accounts.ts).
  const engine = (o: ControllerOptions) =>
    createMultiAccountController({ ...o, pollIntervalMs: 100, observationMaxAgeMs: 50, retryBaseDelayMs: 50, retryMaxDelayMs: 1_000 });
  const exited = runKubernetesMode(
    {
      config: { kind: "kubernetes", kubeconfig, namespace, leaderElection, statusProgressIntervalMs: 200 },
      logger,
      env: { POD_NAME: name },
      authMode: "shared-key",
      watchTimeoutSeconds: 30,
      createController: engine,
      controller: {
        batch,
        metrics: {
          reconcileDone: () => undefined,
          driftDetected: () => undefined,
          batchCall: () => undefined,
          poolNodes: () => undefined,
          jobTasks: () => undefined,
        },
        alerts: { drift: () => undefined, stalled: () => undefined },
        logger,
        managerId: "batch-gitops",
        resyncIntervalMs: 60_000,
        concurrency: 4,
        connectAccount: accountConnector(() => undefined),
      },
    },
    shutdown.signal,
  );
  return {
    name,
    batchCalls,
    exited,
    stop: async () => {
      shutdown.abort();
      return exited;
    },
  };
}
