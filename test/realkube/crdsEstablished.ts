/**
 * Waits until CRDs are Established. `kubectl wait --for=condition=Established` fails at once, instead of
 * waiting, on a CRD whose status the server has not written yet (".status.conditions accessor error: <nil>"),
 * which a busy machine hits right after `kubectl apply`: so the condition is polled until it holds.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

export async function waitForCrdsEstablished(kubeconfig: string, names: readonly string[], timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const jsonpath = '{range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Established")].status}{"\\n"}{end}';
  let last = "";
  while (Date.now() < deadline) {
    const { stdout } = await run("kubectl", ["--kubeconfig", kubeconfig, "get", "crd", ...names, "-o", `jsonpath=${jsonpath}`]).catch(
      (error: { stdout?: string; stderr?: string }) => ({ stdout: `${error.stdout ?? ""}${error.stderr ?? ""}` }),
    );
    last = stdout;
    const established = new Set(stdout.split("\n").flatMap((line) => (line.endsWith("=True") ? [line.slice(0, -"=True".length)] : [])));
    if (names.every((name) => established.has(name))) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`CRDs not Established within ${timeoutMs} ms: ${last.trim()}`);
}
