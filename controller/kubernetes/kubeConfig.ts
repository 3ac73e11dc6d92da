/** Loads the client configuration: a kubeconfig file when given, the in-cluster service account otherwise. */
import { KubeConfig } from "@kubernetes/client-node";

export function loadKubeConfig(kubeconfigPath: string | undefined): KubeConfig {
  const config = new KubeConfig();
  if (kubeconfigPath === undefined) {
    config.loadFromCluster();
  } else {
    config.loadFromFile(kubeconfigPath);
  }
  return config;
}
