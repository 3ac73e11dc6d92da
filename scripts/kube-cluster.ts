/**
 * `npm run kube:up -- DIR` starts etcd and kube-apiserver on loopback with their data in DIR and writes
 * DIR/kubeconfig (admin); `npm run kube:down -- DIR` stops them. See docs/cluster.md.
 */
import { resolve } from "node:path";
import { startLocalCluster, stopLocalCluster } from "./kube/localCluster.js";

async function main(command: string | undefined, dir: string | undefined): Promise<number> {
  if ((command !== "up" && command !== "down") || dir === undefined) {
    console.error("usage: npm run kube:up -- DIR | npm run kube:down -- DIR");
    return 2;
  }
  if (command === "down") {
    const stopped = await stopLocalCluster(dir);
    console.log(
      stopped
        ? `stopped the cluster in ${resolve(dir)} (its data stays; delete the folder to start afresh)`
        : `no cluster state in ${resolve(dir)}`,
    );
    return 0;
  }
  const state = await startLocalCluster({ dir });
  console.log(`kube-apiserver ready at ${state.serverUrl} (etcd ${state.etcdUrl}, logs in ${state.dir}/logs)`);
  console.log(`export KUBECONFIG=${state.kubeconfig}`);
  return 0;
}

main(process.argv[2], process.argv[3]).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`kube:${process.argv[2] ?? "?"}: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
