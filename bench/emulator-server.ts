/** Child process of bench/emulator.ts: an emulator on a free port; prints {"url": …} once listening. */
import { startEmulator } from "../emulator/index.js";

const emulator = await startEmulator({ port: 0 });
process.stdout.write(`${JSON.stringify({ url: emulator.url, account: emulator.account.name, key: emulator.account.key })}\n`);
process.on("SIGTERM", () => {
  void emulator.close().then(() => process.exit(0));
});
