/**
 * No web page can reach the emulator: Host must be a loopback name or address (DNS rebinding),
 * browser requests from other sites are refused (CSRF), control writes must be JSON, and an
 * unauthenticated Batch request is answered before its body is read. Raw node:http requests set
 * the headers a browser would.
 */
import { request, type IncomingHttpHeaders } from "node:http";
import { BatchServiceClient, BatchSharedKeyCredentials } from "@azure/batch";
import { beforeEach, describe, expect, it } from "vitest";
import { devAccount, startEmulator, type RunningEmulator } from "../../emulator/index.js";

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function send(url: string, options: { method?: string; path: string; headers?: Record<string, string>; body?: string }): Promise<Answer> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port, method: options.method ?? "GET", path: options.path, headers: options.headers },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

describe("emulator: no control surface a web page can reach", () => {
  let emulator: RunningEmulator;
  let client: BatchServiceClient;

  beforeEach(async () => {
    emulator = await startEmulator({ allowedHosts: ["devbox.internal"] });
    client = new BatchServiceClient(new BatchSharedKeyCredentials(devAccount.name, devAccount.key), emulator.url);
    return () => emulator.close();
  });

  const port = (): string => new URL(emulator.url).port;
  const faults = async (): Promise<unknown[]> => (await emulator.control.faults.list()) as unknown[];

  it("refuses POST /_emulator/reset with Host attacker.example (DNS rebinding) and keeps the state", async () => {
    await client.pool.add({
      id: "kept",
      vmSize: "standard_d2s_v3",
      virtualMachineConfiguration: {
        imageReference: { publisher: "microsoft-dsvm", offer: "ubuntu-hpc", sku: "2204" },
        nodeAgentSKUId: "batch.node.ubuntu 22.04",
      },
    });
    const answer = await send(emulator.url, { method: "POST", path: "/_emulator/reset", headers: { host: `attacker.example:${port()}` } });
    expect(answer.status).toBe(403);
    expect(answer.body).toContain("HostNotAllowed");
    expect((await client.pool.list()).map((p) => p.id)).toEqual(["kept"]);
  });

  it("refuses the Batch API itself for a non-loopback Host, and serves the SDK (Host 127.0.0.1:port)", async () => {
    const rebound = await send(emulator.url, {
      path: "/pools?api-version=2022-10-01.16.0",
      headers: { host: `attacker.example:${port()}` },
    });
    expect(rebound.status).toBe(403);
    expect(await client.pool.list()).toHaveLength(0);
  });

  it.each([
    ["localhost", `localhost:PORT`],
    ["127.0.0.1", `127.0.0.1:PORT`],
    ["[::1]", `[::1]:PORT`],
    ["an --allowed-hosts name", `devbox.internal:PORT`],
  ])("accepts Host %s", async (_name, host) => {
    const answer = await send(emulator.url, { path: "/_emulator/health", headers: { host: host.replace("PORT", port()) } });
    expect(answer.status).toBe(200);
  });

  it.each([
    ["Origin of another site", { origin: "https://evil.example" }],
    ["Origin null (sandboxed frame, file: page)", { origin: "null" }],
    ["Sec-Fetch-Site cross-site", { "sec-fetch-site": "cross-site" }],
    ["Sec-Fetch-Site same-site (another port of localhost)", { "sec-fetch-site": "same-site" }],
  ])("refuses a cross-origin browser request (%s): no fault is added", async (_name, headers) => {
    const answer = await send(emulator.url, {
      method: "POST",
      path: "/_emulator/faults",
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify({ operationId: "*", kind: "error" }),
    });
    expect(answer.status).toBe(403);
    expect(answer.body).toContain("CrossOriginRequest");
    expect(await faults()).toEqual([]);
  });

  it("refuses a text/plain control write (a form or no-cors fetch needs no preflight for it), and accepts JSON", async () => {
    const body = JSON.stringify({ operationId: "*", kind: "error" });
    const plain = await send(emulator.url, { method: "POST", path: "/_emulator/faults", headers: { "content-type": "text/plain" }, body });
    expect(plain.status).toBe(415);
    expect(await faults()).toEqual([]);
    const json = await send(emulator.url, {
      method: "POST",
      path: "/_emulator/faults",
      headers: { "content-type": "application/json", origin: emulator.url },
      body,
    });
    expect(json.status).toBe(201);
    expect(await faults()).toHaveLength(1);
  });

  it("answers an unauthenticated Batch request before reading its body, and closes the connection", async () => {
    const { port: p } = new URL(emulator.url);
    const answer = await new Promise<Answer>((resolve, reject) => {
      const req = request(
        {
          host: "127.0.0.1",
          port: p,
          method: "POST",
          path: "/pools?api-version=2022-10-01.16.0",
          headers: { "content-type": "application/json", "content-length": String(8 * 1024 * 1024) },
        },
        (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: "" });
          req.destroy();
        },
      );
      req.on("error", (err: NodeJS.ErrnoException) => (err.code === "ECONNRESET" ? undefined : reject(err)));
      // Only 1 KiB of the announced 8 MiB is ever sent: the answer cannot depend on the body.
      req.write(Buffer.alloc(1024, 0x20));
    });
    expect(answer.status).toBe(401);
    expect(answer.headers.connection).toBe("close");
  });

  it("bounds concurrent unauthenticated (control) body reads: over the bound, 503 without reading", async () => {
    const { port: p } = new URL(emulator.url);
    const held = Array.from({ length: 8 }, () => {
      const req = request({
        host: "127.0.0.1",
        port: p,
        method: "POST",
        path: "/_emulator/faults",
        headers: { "content-type": "application/json", "content-length": "60000" },
      });
      req.on("error", () => undefined);
      req.write("{");
      return req;
    });
    let status = 0;
    for (let attempt = 0; attempt < 100 && status !== 503; attempt++) {
      status = (await send(emulator.url, { path: "/_emulator/health" })).status;
      if (status !== 503) await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe(503);
    for (const req of held) req.destroy();
    for (let attempt = 0; attempt < 100 && status !== 200; attempt++) {
      status = (await send(emulator.url, { path: "/_emulator/health" })).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe(200);
  });
});
