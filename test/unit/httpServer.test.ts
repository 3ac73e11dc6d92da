import { afterEach, describe, expect, it } from "vitest";
import { request } from "node:http";
import { exposureWarning, hostRefusal, startHttpServer, type RunningHttpServer } from "../../controller/observability/httpServer.js";
import { parseRunConfig } from "../../controller/config/runConfig.js";
import { createPrometheusMetrics } from "../../controller/observability/metrics.js";

describe("observability HTTP server", () => {
  let server: RunningHttpServer | undefined;
  afterEach(async () => {
    await server?.close();
  });

  it("serves metrics, health, readiness and status", async () => {
    const metrics = createPrometheusMetrics({ processMetrics: false });
    metrics.driftDetected("BatchPool", "vmSize");
    let ready = false;
    server = await startHttpServer(
      { host: "127.0.0.1", port: 0 },
      {
        metrics: async () => ({ contentType: metrics.contentType, body: await metrics.exposition() }),
        ready: () => ready,
        status: () => ({ version: 1, resources: [{ key: "BatchPool/default/a" }] }),
      },
    );
    const get = (path: string) => fetch(`${server?.url}${path}`);

    const metricsResponse = await get("/metrics");
    expect(metricsResponse.headers.get("content-type")).toContain("text/plain");
    expect(await metricsResponse.text()).toContain(
      'batch_gitops_drift_detected_total{kind="BatchPool",field="vmSize",corrected="false"} 1',
    );
    expect((await get("/healthz")).status).toBe(200);
    expect((await get("/readyz")).status).toBe(503);
    ready = true;
    expect((await get("/readyz")).status).toBe(200);
    expect(await (await get("/status")).json()).toEqual({ version: 1, resources: [{ key: "BatchPool/default/a" }] });
    expect((await get("/nope")).status).toBe(404);
  });

  it("with an authorizer, guards /metrics and /status with its answer and leaves the probes open", async () => {
    const seen: (string | undefined)[] = [];
    server = await startHttpServer(
      { host: "127.0.0.1", port: 0 },
      {
        metrics: async () => ({ contentType: "text/plain", body: "m 1\n" }),
        ready: () => true,
        status: () => ({ version: 1 }),
        authorize: async (authorization) => {
          seen.push(authorization);
          return authorization === "Bearer good"
            ? { allowed: true }
            : { allowed: false, code: authorization === undefined ? 401 : 403, message: "no" };
        },
      },
    );
    const get = (path: string, token?: string) =>
      fetch(`${server?.url}${path}`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
    expect((await get("/metrics")).status).toBe(401);
    expect((await get("/status", "bad")).status).toBe(403);
    expect(await (await get("/metrics", "good")).text()).toBe("m 1\n");
    expect((await get("/healthz")).status).toBe(200);
    expect((await get("/readyz")).status).toBe(200);
    expect(seen).toEqual([undefined, "Bearer bad", "Bearer good"]);
  });

  it("reports a busy port instead of hanging", async () => {
    const endpoints = { metrics: async () => ({ contentType: "text/plain", body: "" }), ready: () => true, status: () => ({}) };
    server = await startHttpServer({ host: "127.0.0.1", port: 0 }, endpoints);
    const port = Number(new URL(server.url).port);
    await expect(startHttpServer({ host: "127.0.0.1", port }, endpoints)).rejects.toMatchObject({
      name: "HttpListenError",
      code: "EADDRINUSE",
      message: `cannot serve /metrics and the probes on --http-addr 127.0.0.1:${port}: the port is already in use (--http-addr off serves nothing)`,
    });
  });

  describe("no endpoint a web page can reach", () => {
    const endpoints = {
      metrics: async () => ({ contentType: "text/plain", body: "" }),
      ready: () => true,
      status: () => ({ version: 1, resources: [] }),
    };
    /** A raw request with the headers a browser would set (fetch cannot set Host). */
    const get = (headers: Record<string, string>): Promise<number> =>
      new Promise((resolve, reject) => {
        const { port } = new URL(server?.url ?? "");
        const req = request({ host: "127.0.0.1", port, path: "/status", headers }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on("error", reject).end();
      });

    it("answers /status only for loopback or allowed Host names, and refuses cross-origin browser requests", async () => {
      server = await startHttpServer({ host: "127.0.0.1", port: 0, allowedHosts: ["ops.example"] }, endpoints);
      const port = new URL(server.url).port;
      expect(await get({ host: `attacker.example:${port}` })).toBe(403);
      expect(await get({ host: `10.1.2.3:${port}` })).toBe(403);
      expect(await get({ host: `127.0.0.1:${port}` })).toBe(200);
      expect(await get({ host: `localhost:${port}` })).toBe(200);
      expect(await get({ host: `[::1]:${port}` })).toBe(200);
      expect(await get({ host: `ops.example:${port}` })).toBe(200);
      expect(await get({ host: `localhost:${port}`, origin: "https://evil.example" })).toBe(403);
      expect(await get({ host: `localhost:${port}`, origin: "null" })).toBe(403);
      expect(await get({ host: `localhost:${port}`, "sec-fetch-site": "cross-site" })).toBe(403);
      expect(await get({ host: `localhost:${port}`, origin: `http://localhost:${port}`, "sec-fetch-site": "same-origin" })).toBe(200);
    });

    it("on a non-loopback address accepts IP-address Hosts (kubelet probes, Prometheus use the pod IP) but not other names", () => {
      const guard = { allowedHosts: [], anyAddress: true };
      expect(hostRefusal({ host: "10.244.0.7:8080" }, guard)).toBeUndefined();
      expect(hostRefusal({ host: "[fd00::7]:8080" }, guard)).toBeUndefined();
      expect(hostRefusal({ host: "rebind.attacker.example:8080" }, guard)).toContain("not allowed");
    });

    it("warns when --http-addr is not loopback, naming what is exposed; --allowed-hosts is parsed", () => {
      expect(exposureWarning({ host: "127.0.0.1", port: 8080 })).toBeUndefined();
      expect(exposureWarning({ host: "localhost", port: 8080 })).toBeUndefined();
      expect(exposureWarning({ host: "0.0.0.0", port: 8080 })).toMatch(
        /not a loopback address: \/metrics, \/healthz, \/readyz and \/status/,
      );
      const config = parseRunConfig(["--http-addr", "0.0.0.0:9090", "--allowed-hosts", "Ops.Example, batch-gitops.ns.svc"], {
        env: {},
        cwd: "/tmp",
        stdoutIsTTY: false,
      });
      expect(config.http).toEqual({ host: "0.0.0.0", port: 9090, allowedHosts: ["ops.example", "batch-gitops.ns.svc"] });
    });
  });
});
