import type { Command } from "../command.js";
import { devAccount, startEmulator } from "../../../emulator/index.js";
import type { TimingPreset } from "../../../emulator/timing.js";

const usage = `Usage: batch-gitops emulator [--port 8089] [--account NAME --key BASE64KEY] [--timing fast|realistic] [--allowed-hosts H1,H2]

Runs the local Azure Batch emulator (API 2022-10-01.16.0) on 127.0.0.1 until interrupted.
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
}

function parseArgs(args: string[]): EmulatorArgs | string {
  const parsed: EmulatorArgs = { port: 8089, timing: "fast", allowedHosts: [] };
  for (let i = 0; i < args.length; i += 2) {
    const [flag, value] = [args[i], args[i + 1]];
    if (value === undefined) return `missing value for ${flag ?? ""}`;
    if (flag === "--port") {
      const port = Number(value);
      if (!Number.isInteger(port) || port < 0 || port > 65535) return `invalid port ${value}`;
      parsed.port = port;
    } else if (flag === "--allowed-hosts") parsed.allowedHosts.push(...value.split(",").map((h) => h.trim()).filter((h) => h !== ""));
    else if (flag === "--account") parsed.account = value;
    else if (flag === "--key") parsed.key = value;
    else if (flag === "--timing") {
      if (value !== "fast" && value !== "realistic") return `--timing is fast or realistic, not ${value}`;
      parsed.timing = value;
    } else return `unknown option ${flag ?? ""}`;
  }
  if ((parsed.account === undefined) !== (parsed.key === undefined)) return "--account and --key go together";
  if (parsed.key !== undefined && Buffer.from(parsed.key, "base64").length === 0) return "--key must be base64";
  return parsed;
}

export const emulatorCommand: Command = {
  name: "emulator",
  summary: "run the local Azure Batch emulator",
  usage,
  async run(args: string[]): Promise<number> {
    const parsed = parseArgs(args);
    if (typeof parsed === "string") {
      console.error(`batch-gitops emulator: ${parsed}\n\n${usage}`);
      return 2;
    }
    const account = parsed.account !== undefined && parsed.key !== undefined ? { name: parsed.account, key: parsed.key } : devAccount;
    const emulator = await startEmulator({ port: parsed.port, accounts: [account], timingPreset: parsed.timing, allowedHosts: parsed.allowedHosts });
    // The key is printed on purpose: it is the emulator's own (development) key, needed to connect.
    console.log(`Azure Batch emulator listening on ${emulator.url}`);
    console.log(`  account: ${account.name}`);
    console.log(`  key:     ${account.key}`);
    console.log(`  timing:  ${parsed.timing}; control API: ${emulator.url}/_emulator/`);
    await new Promise<void>((resolve) => {
      const stop = (): void => resolve();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
    await emulator.close();
    return 0;
  },
};
