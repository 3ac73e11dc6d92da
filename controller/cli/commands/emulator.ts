import type { Command } from "../command.js";
import { usageFailure } from "../usage.js";
import { devAccount, startEmulator } from "../../../emulator/index.js";
import type { TimingPreset } from "../../../emulator/timing.js";
import type { ContainerEngineChoice } from "../../../emulator/execution/container-engine.js";

const usage = `Usage: batch-gitops emulator [--port 8089] [--account NAME --key BASE64KEY] [--timing fast|realistic] [--allowed-hosts H1,H2]
                           [--execute simulated|local] [--work-dir DIR] [--location DIR]
                           [--auto-storage CONNECTION_STRING] [--container-engine auto|none|docker|podman]

Runs the local Azure Batch emulator (API 2022-10-01.16.0) on 127.0.0.1 until interrupted.
--execute local runs start tasks and tasks as processes on this machine (no isolation; see
emulator/README.md), each node a directory tree under --work-dir (default: a temp dir).
--location DIR keeps pools, jobs and tasks in DIR (crash-safe journal + snapshot) and loads them
again on the next start, like Azurite's --location; without it, state lives in memory.
--auto-storage links a storage account (a connection string; Azurite's works) to the account:
local tasks download autoStorageContainerName resource files from it. Also read from
BATCH_EMULATOR_AUTO_STORAGE, which keeps a real key out of the process list.
--container-engine: container tasks run in their image through docker or podman when
\`docker info\` / \`podman info\` work (auto, the default); otherwise (or with none) their
command line runs on the host, and their executionInfo and a log line say so.
Without --account/--key it serves the development account ${devAccount.name}.
The control API (faults, rate limits, counters, reset) is under /_emulator/.
Requests must name a loopback host (localhost, 127.0.0.1, [::1]); --allowed-hosts adds names.
Browser requests from other sites are refused (a web page cannot reset or fault the emulator).`;

interface EmulatorArgs {
  port: number;
  account?: string;
  key?: string;
  timing: TimingPreset;
  allowedHosts: string[];
  execute: "simulated" | "local";
  workDir?: string;
  location?: string;
  autoStorage?: string;
  containerEngine?: ContainerEngineChoice;
}

/** One option's effect on the parsed arguments; returns an error message for a bad value. */
type OptionHandler = (parsed: EmulatorArgs, value: string) => string | undefined;

const OPTIONS: Record<string, OptionHandler> = {
  "--port": (parsed, value) => {
    const port = Number(value);
    if (!Number.isInteger(port) || port < 0 || port > 65535) return `invalid port ${value}`;
    parsed.port = port;
    return undefined;
  },
  "--allowed-hosts": (parsed, value) => void parsed.allowedHosts.push(...value.split(",").map((h) => h.trim()).filter((h) => h !== "")),
  "--account": (parsed, value) => void (parsed.account = value),
  "--key": (parsed, value) => void (parsed.key = value),
  "--timing": (parsed, value) => {
    if (value !== "fast" && value !== "realistic") return `--timing is fast or realistic, not ${value}`;
    parsed.timing = value;
    return undefined;
  },
  "--execute": (parsed, value) => {
    if (value !== "simulated" && value !== "local") return `--execute is simulated or local, not ${value}`;
    parsed.execute = value;
    return undefined;
  },
  "--work-dir": (parsed, value) => void (parsed.workDir = value),
  "--location": (parsed, value) => void (parsed.location = value),
  "--auto-storage": (parsed, value) => void (parsed.autoStorage = value),
  "--container-engine": (parsed, value) => {
    if (!["auto", "none", "docker", "podman"].includes(value)) return `--container-engine is auto, none, docker or podman, not ${value}`;
    parsed.containerEngine = value as ContainerEngineChoice;
    return undefined;
  },
};

function parseArgs(args: string[]): EmulatorArgs | string {
  const fromEnvironment = process.env.BATCH_EMULATOR_AUTO_STORAGE;
  const parsed: EmulatorArgs = { port: 8089, timing: "fast", allowedHosts: [], execute: "simulated", ...(fromEnvironment ? { autoStorage: fromEnvironment } : {}) };
  for (let i = 0; i < args.length; i += 2) {
    const [flag, value] = [args[i] ?? "", args[i + 1]];
    const handler = OPTIONS[flag];
    if (handler === undefined) return `unknown option ${flag}`;
    if (value === undefined) return `missing value for ${flag}`;
    const problem = handler(parsed, value);
    if (problem !== undefined) return problem;
  }
  if ((parsed.account === undefined) !== (parsed.key === undefined)) return "--account and --key go together";
  if (parsed.key !== undefined && Buffer.from(parsed.key, "base64").length === 0) return "--key must be base64";
  return parsed;
}

function printState(location: string | undefined, tornBytes: number): void {
  if (location === undefined) return;
  console.log(`  state:   kept in ${location}${tornBytes > 0 ? ` (ignored a torn last journal record of ${tornBytes} bytes)` : ""}`);
}

export const emulatorCommand: Command = {
  name: "emulator",
  summary: "run the local Azure Batch emulator",
  usage,
  async run(args: string[]): Promise<number> {
    const parsed = parseArgs(args);
    if (typeof parsed === "string") {
      return usageFailure("emulator", parsed);
    }
    const account = parsed.account !== undefined && parsed.key !== undefined ? { name: parsed.account, key: parsed.key } : devAccount;
    const emulator = await startEmulator({
      port: parsed.port,
      accounts: [account],
      timingPreset: parsed.timing,
      allowedHosts: parsed.allowedHosts,
      execute: parsed.execute,
      ...(parsed.workDir === undefined ? {} : { workDir: parsed.workDir }),
      ...(parsed.location === undefined ? {} : { location: parsed.location }),
      ...(parsed.autoStorage === undefined ? {} : { autoStorage: parsed.autoStorage }),
      ...(parsed.containerEngine === undefined ? {} : { containerEngine: parsed.containerEngine }),
    });
    // The key is printed on purpose: it is the emulator's own (development) key, needed to connect.
    console.log(`Azure Batch emulator listening on ${emulator.url}`);
    console.log(`  account: ${account.name}`);
    console.log(`  key:     ${account.key}`);
    console.log(`  timing:  ${parsed.timing}; control API: ${emulator.url}/_emulator/`);
    printState(parsed.location, emulator.tornJournalBytes ?? 0);
    console.log(`  execute: ${parsed.execute}${emulator.workDir === undefined ? "" : ` (nodes under ${emulator.workDir}; processes run unisolated on this machine)`}`);
    await new Promise<void>((resolve) => {
      const stop = (): void => resolve();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
    await emulator.close();
    return 0;
  },
};
