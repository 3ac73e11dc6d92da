/**
 * `npm run demo` (emulator/README.md): the seed-004 ffmpeg tutorial, for real, on this machine. Azurite
 * holds the media, the emulator runs in local mode, and the controller applies manifests/demo/ffmpeg.yaml:
 * every sample MP4 (generated with ffmpeg's lavfi test sources) becomes an MP3 in Azurite's output container.
 */
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { BatchServiceClient, BatchSharedKeyCredentials } from "@azure/batch";
import {
  BlobSASPermissions,
  ContainerSASPermissions,
  StorageSharedKeyCredential,
  generateBlobSASQueryParameters,
} from "@azure/storage-blob";
import { startEmulator, type RunningEmulator } from "../../emulator/index.js";
import { AZURITE_ACCOUNT, AZURITE_KEY, startAzurite, type Azurite } from "./azurite.js";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const TEMPLATE = join(REPO, "manifests", "demo", "ffmpeg.yaml");
const BIN = join(REPO, "bin", "batch-gitops.js");
/** The job's name in the template (the Batch job id is the BatchJob's name). */
const JOB_ID = "ffmpeg-demo";
const SAMPLES = [
  { name: "sample-1.mp4", frequency: 440 },
  { name: "sample-2.mp4", frequency: 660 },
  { name: "sample-3.mp4", frequency: 880 },
];

/** A problem the user can fix (shown as one line, no stack trace). */
export class DemoError extends Error {}

export interface DemoOptions {
  /** Everything the demo writes: samples, filled-in manifests, node directories, Azurite's blobs, MP3s. */
  workDir: string;
  /** Progress lines (default: console.log). */
  log?: (line: string) => void;
  /** The ffmpeg and ffprobe programs (default: from PATH). */
  ffmpeg?: string;
  ffprobe?: string;
  /** Leave Azurite and the emulator running (the caller stops them with `stop`). */
  keepRunning?: boolean;
}

export interface DemoResult {
  mp3s: Array<{ name: string; bytes: number; durationSeconds: number }>;
  azurite: Azurite;
  emulator: RunningEmulator;
  /** Stops Azurite and the emulator (already done unless keepRunning). */
  stop(): Promise<void>;
}

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const ffmpeg = options.ffmpeg ?? "ffmpeg";
  const ffprobe = options.ffprobe ?? "ffprobe";
  requireProgram(ffmpeg, "ffmpeg");
  requireProgram(ffprobe, "ffprobe");
  mkdirSync(options.workDir, { recursive: true });
  // Run as root, the emulator runs nonadmin tasks as nobody (emulator/README.md), who must reach the nodes.
  if (process.getuid?.() === 0) chmodSync(options.workDir, 0o755);
  const samples = generateSamples(ffmpeg, join(options.workDir, "samples"));
  log(`generated ${samples.length} sample MP4s with ffmpeg's lavfi test sources in ${join(options.workDir, "samples")}`);
  const azurite = await startAzurite({ location: join(options.workDir, "azurite") });
  let emulator: RunningEmulator | undefined;
  const stop = async (): Promise<void> => {
    await emulator?.close();
    await azurite.stop();
  };
  try {
    log(`Azurite (blob) at ${azurite.blobUrl}`);
    await uploadSamples(azurite, samples);
    log("uploaded the MP4s to container [input]; created container [output]");
    emulator = await startEmulator({
      port: 0,
      execute: "local",
      workDir: join(options.workDir, "nodes"),
      timing: { nodeCreatingMs: 200, nodeStartingMs: 200 },
    });
    log(`Batch emulator (local execution) at ${emulator.url}, nodes under ${join(options.workDir, "nodes")}`);
    const manifests = writeManifests(azurite, join(options.workDir, "manifests"));
    log(`applying ${manifests} with batch-gitops run --once`);
    await runController(emulator, manifests, join(options.workDir, "state"));
    await waitForJob(emulator, log);
    const mp3s = await checkOutputs(azurite, ffprobe, join(options.workDir, "output"));
    for (const mp3 of mp3s) log(`output/${mp3.name}: ${mp3.bytes} bytes, ${mp3.durationSeconds.toFixed(2)} s`);
    if (!options.keepRunning) await stop();
    return { mp3s, azurite, emulator, stop };
  } catch (error: unknown) {
    await stop();
    throw error;
  }
}

function requireProgram(program: string, name: string): void {
  const probe = spawnSync(program, ["-version"], { stdio: "ignore" });
  if (probe.error !== undefined || probe.status !== 0) {
    throw new DemoError(
      `${name} is not installed (${program} -version did not run): the demo makes its sample media with it and its tasks run it. ` +
        "Install the ffmpeg package (Debian/Ubuntu: apt-get install ffmpeg), then run npm run demo again.",
    );
  }
}

/** Two-second MP4s (test pattern video, a sine tone) from ffmpeg's lavfi sources. */
function generateSamples(ffmpeg: string, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  return SAMPLES.map(({ name, frequency }) => {
    const path = join(dir, name);
    const args = [
      "-y",
      "-loglevel",
      "error",
      "-f",
      "lavfi",
      "-i",
      "testsrc=duration=2:size=320x240:rate=25",
      "-f",
      "lavfi",
      "-i",
      `sine=frequency=${frequency}:duration=2`,
    ];
    const result = spawnSync(ffmpeg, [...args, "-c:v", "mpeg4", "-c:a", "aac", "-shortest", path], { encoding: "utf8" });
    if (result.status !== 0) throw new DemoError(`ffmpeg could not generate ${name}: ${result.stderr.trim()}`);
    return path;
  });
}

async function uploadSamples(azurite: Azurite, samples: string[]): Promise<void> {
  const input = azurite.service.getContainerClient("input");
  await input.createIfNotExists();
  await azurite.service.getContainerClient("output").createIfNotExists();
  for (const path of samples) await input.getBlockBlobClient(path.split("/").pop() ?? path).uploadFile(path);
}

/** Fills in the template's SAS URLs; returns the directory the controller reads. */
function writeManifests(azurite: Azurite, dir: string): string {
  const credential = new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY);
  const expiresOn = new Date(Date.now() + 2 * 3_600_000);
  const blobSas = (blobName: string): string => {
    const sas = generateBlobSASQueryParameters(
      { containerName: "input", blobName, permissions: BlobSASPermissions.parse("r"), expiresOn },
      credential,
    );
    return `${azurite.blobUrl}/input/${blobName}?${sas.toString()}`;
  };
  const outputSas = generateBlobSASQueryParameters(
    { containerName: "output", permissions: ContainerSASPermissions.parse("cw"), expiresOn },
    credential,
  );
  const text = readFileSync(TEMPLATE, "utf8")
    .replace(/\{\{input:([^}]+)\}\}/g, (_match, blob: string) => blobSas(blob))
    .replace(/\{\{output\}\}/g, `${azurite.blobUrl}/output?${outputSas.toString()}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "ffmpeg.yaml"), text, { mode: 0o600 });
  return dir;
}

/** The real CLI, as a user runs it: one pass that creates the pool, the job and its tasks. */
async function runController(emulator: RunningEmulator, manifests: string, stateDir: string): Promise<void> {
  const args = [
    "run",
    "--dir",
    manifests,
    "--batch-url",
    emulator.url,
    "--auth",
    "shared-key",
    "--once",
    "--once-timeout",
    "5m",
    // This emulator's nodes boot in 400 ms: look at the pool that often, not every 5 s, before creating the job.
    "--poll-interval",
    "500ms",
    "--state-dir",
    stateDir,
    "--http-addr",
    "off",
    "--view",
    "off",
    "--log-level",
    "warn",
  ];
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, BATCH_ACCOUNT_NAME: emulator.account.name, BATCH_ACCOUNT_KEY: emulator.account.key },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const code = await new Promise<number | null>((resolve) => child.once("exit", (exitCode) => resolve(exitCode)));
  if (code !== 0) throw new DemoError(`batch-gitops run --once exited with ${String(code)} (see its output above)`);
}

async function waitForJob(emulator: RunningEmulator, log: (line: string) => void): Promise<void> {
  const client = new BatchServiceClient(new BatchSharedKeyCredentials(emulator.account.name, emulator.account.key), emulator.url);
  log(`monitoring all tasks of job [${JOB_ID}] for 'completed' state...`);
  for (let i = 0; i < 6000; i++) {
    const counts = (await client.job.getTaskCounts(JOB_ID)).taskCounts;
    if (counts.active === 0 && counts.running === 0 && counts.completed === SAMPLES.length) {
      if (counts.failed > 0) {
        const failed = (await client.task.list(JOB_ID)).filter((task) => task.executionInfo?.result === "failure").map((task) => task.id);
        throw new DemoError(
          `${counts.failed} task(s) failed: ${failed.join(", ")}; read their stderr with batch-gitops logs media/${JOB_ID} <task> --stderr`,
        );
      }
      log(`all ${counts.succeeded} tasks completed successfully`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new DemoError(`the tasks of job ${JOB_ID} did not complete within 10 minutes`);
}

/** Downloads each MP3 from the output container and measures it with ffprobe. */
async function checkOutputs(azurite: Azurite, ffprobe: string, dir: string): Promise<DemoResult["mp3s"]> {
  mkdirSync(dir, { recursive: true });
  const output = azurite.service.getContainerClient("output");
  const mp3s: DemoResult["mp3s"] = [];
  for await (const blob of output.listBlobsFlat()) {
    const path = join(dir, blob.name);
    await output.getBlockBlobClient(blob.name).downloadToFile(path);
    const probe = spawnSync(ffprobe, ["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path], { encoding: "utf8" });
    mp3s.push({ name: blob.name, bytes: blob.properties.contentLength ?? 0, durationSeconds: Number(probe.stdout.trim()) });
  }
  return mp3s;
}
