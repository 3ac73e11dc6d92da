import { afterEach, describe, expect, it } from "vitest";
import { startHttpServer, type RunningHttpServer } from "../../controller/observability/httpServer.js";
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
    expect(await metricsResponse.text()).toContain('batch_gitops_drift_detected_total{kind="BatchPool",field="vmSize"} 1');
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
          return authorization === "Bearer good" ? { allowed: true } : { allowed: false, code: authorization === undefined ? 401 : 403, message: "no" };
        },
      },
    );
    const get = (path: string, token?: string) => fetch(`${server?.url}${path}`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
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
    await expect(startHttpServer({ host: "127.0.0.1", port }, endpoints)).rejects.toThrow(/EADDRINUSE/);
  });
});
