/**
 * The whole cluster mode in-process: the test API server, the Batch emulator (over HTTP through
 * @azure/batch), and controller replicas running `runKubernetesMode` with the real engine. Logs
 * are captured as JSON lines so tests can scan them.
 */
import { startPartitionProxy, type PartitionProxy } from "../helpers/partitionProxy.js";
import { Writable } from "node:stream";
import type { KubeConfig } from "@kubernetes/client-node";
import { createBatchAdapter } from "../../controller/batch/batchAdapter.js";
import { sharedKeyCredentials } from "../../controller/batch/credentials.js";
import { createController } from "../../controller/runtime/controller.js";
import { createMultiAccountController } from "../../controller/runtime/accounts.js";
import { accountConnector } from "../../controller/batch/connect.js";
import { createRootLogger } from "../../controller/observability/logger.js";
import { runKubernetesMode } from "../../controller/kubernetes/kubernetesMode.js";
import type { KubernetesSourceConfig, LeaderElectionConfig } from "../../controller/config/clusterConfig.js";
import type { ControllerOptions } from "../../controller/runtime/ports.js";
import { devAccount, startEmulator, type Account, type RunningEmulator } from "../../emulator/index.js";
import type { ControlState } from "../../emulator/control/control-api.js";
import { startTestApiServer, type TestApiServer } from "./apiserver/index.js";
import { clients, type ClusterClients } from "./cluster-harness.js";

/** Fast leader election for tests: failover within a few seconds. */
export const TEST_LEADER_ELECTION: LeaderElectionConfig = {
  leaseName: "batch-gitops",
  leaseNamespace: "batch-system",
  leaseDurationMs: 2_000,
  renewDeadlineMs: 1_000,
  retryPeriodMs: 100,
};

export interface Replica {
  readonly name: string;
  /** Batch HTTP attempts this replica made, by operation. */
  readonly batchCalls: Map<string, number>;
  /** Reconcile passes this replica finished (counted after each pass's status write). */
  reconciles: number;
  ready: boolean;
  /** Resolves to runKubernetesMode's exit code. */
  readonly exited: Promise<number>;
  /** SIGTERM: graceful stop. */
  stop(): Promise<number>;
  /** Cuts this replica off the API server (its connections and new ones fail), like a network partition. */
  partition(): void;
}

export interface ReplicaOptions {
  readonly name?: string;
  readonly leaderElection?: LeaderElectionConfig;
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly statusProgressIntervalMs?: number;
  /** One engine per Batch account, as `run` builds it (runtime/accounts.ts); default one engine. */
  readonly multiAccount?: boolean;
  /** How long a Batch listing is reused (default 50 ms here; the controller's own default is 60 s). */
  readonly observationMaxAgeMs?: number;
}

export interface ClusterRig {
  readonly server: TestApiServer;
  readonly emulator: RunningEmulator;
  readonly batchControl: ControlState;
  readonly api: ClusterClients;
  /** Every log line of every replica. */
  readonly logs: string[];
  startReplica(options?: ReplicaOptions): Promise<Replica>;
  close(): Promise<void>;
}

/** `accounts`: more emulator accounts beside the default one, each on its own port, for BatchAccount objects. */
export async function startClusterRig(options: { accounts?: Account[] } = {}): Promise<ClusterRig> {
  const server = await startTestApiServer({ namespaces: ["team-a", "batch-system"] });
  const more = options.accounts ?? [];
  const emulator = await startEmulator({
    timingPreset: "fast",
    ...(more.length === 0 ? {} : { accounts: [devAccount, ...more], portPerAccount: true }),
  });
  const batchControl = emulator.control;
  const logs: string[] = [];
  const replicas: Replica[] = [];
  const proxies: PartitionProxy[] = [];
  const rig: ClusterRig = {
    server,
    emulator,
    batchControl,
    api: clients(server.kubeConfig()),
    logs,
    startReplica: async (options = {}) => {
      const proxy = await startPartitionProxy(server.url);
      proxies.push(proxy);
      const replica = startReplica(rig, proxy, options, replicas.length);
      replicas.push(replica);
      return replica;
    },
    close: async () => {
      await Promise.all(replicas.map((r) => r.stop()));
      proxies.forEach((p) => void p.close());
      await server.close();
      await emulator.close();
    },
  };
  return rig;
}

function startReplica(rig: ClusterRig, proxy: PartitionProxy, options: ReplicaOptions, index: number): Replica {
  const name = options.name ?? `replica-${index}`;
  const batchCalls = new Map<string, number>();
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      rig.logs.push(
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
    accountUrl: rig.emulator.url,
    credentials: sharedKeyCredentials(rig.emulator.account.name, rig.emulator.account.key),
    retry: { baseDelayMs: 20, maxDelayMs: 200 },
    attemptTimeoutMs: 5_000,
    onCall: (operation) => batchCalls.set(operation, (batchCalls.get(operation) ?? 0) + 1),
  });
  const config: KubernetesSourceConfig = {
    kind: "kubernetes",
    namespace: options.namespace,
    labelSelector: options.labelSelector,
    leaderElection: options.leaderElection,
    statusProgressIntervalMs: options.statusProgressIntervalMs ?? 200,
  };
  const shutdown = new AbortController();
  const replica: Replica = {
    name,
    batchCalls,
    reconciles: 0,
    ready: false,
    exited: Promise.resolve(0),
    stop: async () => {
      shutdown.abort();
      return replica.exited;
    },
    partition: () => proxy.cut(),
  };
  const create = options.multiAccount === true ? createMultiAccountController : createController;
  const engine = (o: ControllerOptions) =>
    create({
      ...o,
      pollIntervalMs: 100,
      observationMaxAgeMs: options.observationMaxAgeMs ?? 50,
      retryBaseDelayMs: 50,
      retryMaxDelayMs: 1_000,
    });
  (replica as { exited: Promise<number> }).exited = runKubernetesMode(
    {
      config,
      logger,
      kubeConfig: kubeConfigFor(rig.server.kubeConfig(), proxy.url),
      watchTimeoutSeconds: 30,
      env: { POD_NAME: name },
      authMode: "shared-key",
      createController: engine,
      onReadyChange: (ready) => (replica.ready = ready),
      controller: {
        batch,
        metrics: {
          reconcileDone: () => void (replica.reconciles += 1),
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
  return replica;
}

function kubeConfigFor(base: KubeConfig, serverUrl: string): KubeConfig {
  const config = base;
  const cluster = config.getCurrentCluster();
  if (cluster !== null) {
    (cluster as { server: string }).server = serverUrl;
  }
  return config;
}
