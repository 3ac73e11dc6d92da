/** What the realkube global setup hands to the test files (vitest `provide`/`inject`). */
import { execFile } from "node:child_process";
import { inject } from "vitest";

export interface RealKubeContext {
  readonly dir: string;
  readonly kubeconfig: string;
  readonly serverUrl: string;
  readonly etcdUrl: string;
  readonly auditLog: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    realkube: RealKubeContext | { skipped: string };
  }
}

/** The running control plane, or undefined when the binaries are missing (the setup warned). */
export function realKube(): RealKubeContext | undefined {
  const provided = inject("realkube");
  return "skipped" in provided ? undefined : provided;
}

export interface KubectlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs kubectl against the real server (admin unless `kubeconfig` says otherwise); never throws on exit code. */
export function kubectl(
  context: RealKubeContext,
  args: readonly string[],
  options: { input?: string; kubeconfig?: string } = {},
): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      "kubectl",
      ["--kubeconfig", options.kubeconfig ?? context.kubeconfig, ...args],
      { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error !== null && typeof error.code !== "number") {
          reject(error);
          return;
        }
        resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr });
      },
    );
    child.stdin?.end(options.input ?? "");
  });
}
