/**
 * One real control plane (etcd + kube-apiserver from scripts/kube-build.sh) for every file of the
 * realkube project: started once, CRDs installed and Established, stopped at the end of the run.
 * Without the binaries the files are skipped with a warning, except on CI (CI=true), where that fails.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { kubeBinariesPresent, kubeBinDir, startLocalCluster, stopLocalCluster } from "../../scripts/kube/localCluster.js";
import type { RealKubeContext } from "./context.js";
import { waitForCrdsEstablished } from "./crdsEstablished.js";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const binDir = kubeBinDir();
  if (!kubeBinariesPresent(binDir)) {
    const why = `kube-apiserver and etcd are not built in ${binDir}: run scripts/kube-build.sh (once; up to an hour on 2 busy cores) to run test/realkube`;
    if (process.env.CI === "true") {
      throw new Error(why);
    }
    console.warn(`WARNING: skipping the real-server tests: ${why}`);
    project.provide("realkube", { skipped: why });
    return async () => undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), "realkube-"));
  const cluster = await startLocalCluster({ dir, binDir });
  const context: RealKubeContext = {
    dir,
    kubeconfig: cluster.kubeconfig,
    serverUrl: cluster.serverUrl,
    etcdUrl: cluster.etcdUrl,
    auditLog: cluster.auditLog,
  };
  const kubectl = (...args: string[]): string =>
    execFileSync("kubectl", ["--kubeconfig", cluster.kubeconfig, ...args], { encoding: "utf8" });
  kubectl("apply", "--server-side", "-k", "crds/");
  await waitForCrdsEstablished(cluster.kubeconfig, [
    "batchpools.azurebatch.gitops.dev",
    "batchjobs.azurebatch.gitops.dev",
    "batchaccounts.azurebatch.gitops.dev",
  ]);
  project.provide("realkube", context);
  return async () => {
    await stopLocalCluster(dir);
    if (process.env.REALKUBE_KEEP !== "1") {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}
