/**
 * RSS of the emulator while 200 clients without credentials each send an 8 MB body at once
 * (the figure in docs/validation.md). The emulator runs in this process; the clients share one
 * 8 MB buffer, so the growth is the server's.
 *   npx tsx scripts/measure-unauthenticated-bodies.ts [path/to/emulator/index.ts]
 */
import type * as EmulatorModule from "../emulator/index.js";
import { request } from "node:http";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const modulePath = resolve(process.argv[2] ?? "emulator/index.ts");
const { startEmulator } = (await import(pathToFileURL(modulePath).href)) as typeof EmulatorModule;
const emulator = await startEmulator();
const { port } = new URL(emulator.url);
const body = Buffer.alloc(8 * 1024 * 1024, 0x20);
const mb = (n: number): number => Math.round(n / 1024 / 1024);
global.gc?.();
const before = process.memoryUsage().rss;
let peak = before;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
const statuses = await Promise.all(
  Array.from(
    { length: 200 },
    () =>
      new Promise<number | string>((done) => {
        const req = request(
          {
            host: "127.0.0.1",
            port,
            method: "POST",
            path: "/pools?api-version=2022-10-01.16.0",
            headers: { "content-type": "application/json", "content-length": String(body.length) },
          },
          (res) => {
            res.resume();
            res.on("end", () => done(res.statusCode ?? 0));
          },
        );
        req.on("error", (err: NodeJS.ErrnoException) => done(err.code ?? "error"));
        req.end(body);
      }),
  ),
);
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss);
const counts = statuses.reduce<Record<string, number>>((acc, s) => ({ ...acc, [String(s)]: (acc[String(s)] ?? 0) + 1 }), {});
console.log(
  `${modulePath}: RSS ${mb(before)} MB before, peak ${mb(peak)} MB during 200 unauthenticated 8 MB requests; answers ${JSON.stringify(counts)}`,
);
await emulator.close();
