/**
 * `npm run demo [-- --keep] [--work-dir DIR]`: the seed-004 ffmpeg tutorial end to end on this machine
 * (Azurite + the emulator in local mode + the controller). See emulator/README.md, "npm run demo".
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DemoError, runDemo } from "./demo/ffmpeg-demo.js";

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { keep: { type: "boolean" }, "work-dir": { type: "string" } }, strict: true });
  const workDir = values["work-dir"] ?? mkdtempSync(join(tmpdir(), "batch-gitops-demo-"));
  try {
    const result = await runDemo({ workDir, keepRunning: values.keep === true });
    console.log(`done: ${result.mp3s.length} MP3s in Azurite's output container (and in ${join(workDir, "output")})`);
    if (values.keep !== true) return 0;
    console.log(`Azurite (devstoreaccount1) at ${result.azurite.blobUrl}, the emulator at ${result.emulator.url}; Ctrl-C stops both`);
    await new Promise<void>((resolve) => {
      process.once("SIGINT", () => resolve());
      process.once("SIGTERM", () => resolve());
    });
    await result.stop();
    return 0;
  } catch (error: unknown) {
    console.error(`npm run demo: ${error instanceof DemoError || error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

process.exitCode = await main();
