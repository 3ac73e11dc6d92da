/**
 * Child-process entry of bench/helpers/emulatorProcess.ts: an emulator on a free loopback port (fast timing,
 * real clock) that prints one JSON line {url, account, key} once listening and stops on SIGTERM.
 */
import { startEmulator } from "../../emulator/index.js";

const emulator = await startEmulator({ port: 0, timingPreset: "fast" });
process.stdout.write(`${JSON.stringify({ url: emulator.url, account: emulator.account.name, key: emulator.account.key })}\n`);
process.on("SIGTERM", () => {
  void emulator.close().then(() => process.exit(0));
});
