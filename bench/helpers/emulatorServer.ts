/**
 * Child-process entry of bench/helpers/emulatorProcess.ts: an emulator on a free loopback port (fast timing,
 * real clock) that prints one JSON line {url, account, key} once listening and stops on SIGTERM or when its
 * stdin (a pipe from the bench process) ends.
 */
import { startEmulator } from "../../emulator/index.js";

const emulator = await startEmulator({ port: 0, timingPreset: "fast" });
process.stdout.write(`${JSON.stringify({ url: emulator.url, account: emulator.account.name, key: emulator.account.key })}\n`);
const stop = (): void => {
  void emulator.close().then(() => process.exit(0));
};
process.on("SIGTERM", stop);
// stdin is a pipe from the bench process: it ends when that process does, even killed, so no emulator is left behind.
process.stdin.on("end", stop).resume();
