/**
 * `npm run demo` end to end (its core, runDemo): Azurite, the emulator in local mode, the controller
 * applying manifests/demo/ffmpeg.yaml, and ffmpeg turning each MP4 into an MP3 in Azurite's output
 * container, measured with ffprobe. Without ffmpeg the demo says which package to install.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DemoError, runDemo } from "../../scripts/demo/ffmpeg-demo.js";

const hasFfmpeg =
  spawnSync("ffmpeg", ["-version"], { stdio: "ignore" }).status === 0 &&
  spawnSync("ffprobe", ["-version"], { stdio: "ignore" }).status === 0;
const workDir = mkdtempSync(join(tmpdir(), "demo-test-"));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

describe("npm run demo", () => {
  // .ci/run installs Debian's ffmpeg, so this runs on CI; elsewhere it needs ffmpeg on PATH.
  it.skipIf(!hasFfmpeg)("turns every sample MP4 into a two-second MP3 in Azurite's output container", { timeout: 300_000 }, async () => {
    const lines: string[] = [];
    const result = await runDemo({ workDir: join(workDir, "run"), log: (line) => lines.push(line) });
    expect(result.mp3s.map((mp3) => mp3.name).sort()).toEqual(["sample-1.mp3", "sample-2.mp3", "sample-3.mp3"]);
    for (const mp3 of result.mp3s) {
      expect(mp3.bytes).toBeGreaterThan(1000);
      expect(mp3.durationSeconds).toBeGreaterThan(1.9);
      expect(mp3.durationSeconds).toBeLessThan(2.2);
    }
    expect(lines).toContain("all 3 tasks completed successfully");
  });

  it("says that ffmpeg is missing and which package to install", async () => {
    const run = runDemo({ workDir: join(workDir, "missing"), ffmpeg: join(workDir, "no-such-ffmpeg"), log: () => undefined });
    await expect(run).rejects.toBeInstanceOf(DemoError);
    await expect(run).rejects.toThrow(/ffmpeg is not installed.*apt-get install ffmpeg/);
  });
});
