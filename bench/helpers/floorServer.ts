/**
 * Child process of bench/floor.ts: the least a service can be. It reads each request's body, holds the
 * answer until `latencyMs` after the request arrived (the emulator's own precise timer, as its
 * `responseTime` fault) and sends a fixed addtaskcollection answer of the emulator's size. No parsing, no
 * storing, no signature check. Prints {"url", "pid"} once listening; stops on SIGTERM.
 */
import { createServer } from "node:http";
import { PreciseTimer } from "../../emulator/control/preciseTimer.js";

const latencyMs = Number(process.env.FLOOR_LATENCY_MS ?? "20");
const timer = new PreciseTimer();
timer.warm();

const answer = JSON.stringify({
  "odata.metadata": "http://127.0.0.1/$metadata#taskaddresult",
  value: Array.from({ length: 100 }, (_, i) => ({
    status: "success",
    taskId: `t-${String(i).padStart(6, "0")}`,
    eTag: "0x8DB0000000000000",
    lastModified: new Date(0).toISOString(),
    location: `http://127.0.0.1/jobs/floor/tasks/t-${String(i).padStart(6, "0")}`,
  })),
});
const answerHeaders = { "content-type": "application/json; odata=minimalmetadata", "content-length": String(Buffer.byteLength(answer)) };

const server = createServer((req, res) => {
  const arrivedAt = performance.now();
  req.resume();
  req.on("end", () => {
    void timer.wait(arrivedAt + latencyMs).then(() => res.writeHead(200, answerHeaders).end(answer));
  });
});
server.keepAliveTimeout = 30_000;
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}`, pid: process.pid })}\n`);
});
process.on("SIGTERM", () => {
  timer.close();
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
