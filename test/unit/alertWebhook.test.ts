import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createWebhookAlerts, type AlertmanagerAlert } from "../../controller/observability/alertWebhook.js";
import { systemClock } from "../../controller/time/clock.js";

/** A local Alertmanager stand-in that records each POST body; answers the queued statuses first. */
async function startReceiver(statuses: number[] = []): Promise<{ url: string; posts: AlertmanagerAlert[][]; server: Server }> {
  const posts: AlertmanagerAlert[][] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      const status = statuses.shift() ?? 200;
      if (status === 200) {
        posts.push(JSON.parse(body) as AlertmanagerAlert[]);
      }
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/api/v2/alerts`, posts, server };
}

describe("alert webhook", () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let abort: AbortController;
  let clock: number;
  const logger = pino({ level: "silent" });

  beforeEach(() => {
    abort = new AbortController();
    clock = Date.UTC(2026, 0, 1, 12);
  });
  afterEach(async () => {
    abort.abort();
    await new Promise((r) => receiver.server.close(r));
  });

  const alerts = (extra: { maxAttempts?: number } = {}) =>
    createWebhookAlerts({
      url: receiver.url,
      logger,
      signal: abort.signal,
      clock: { now: () => clock, setTimeout: systemClock.setTimeout },
      retryDelayMs: 1,
      repeatIntervalMs: 0,
      ...extra,
    });

  it("posts drift as an Alertmanager alert and resolves it with endsAt", async () => {
    receiver = await startReceiver();
    const webhook = alerts();
    webhook.drift({
      key: "BatchPool/team-a/render",
      policy: "Alert",
      corrected: false,
      differences: ["targetDedicatedNodes: desired 2, live 5"],
    });
    clock += 60_000;
    webhook.resolved?.("BatchPool/team-a/render", "Drift");
    await webhook.flush();
    expect(receiver.posts).toEqual([
      [
        {
          labels: {
            alertname: "BatchGitopsDrift",
            severity: "warning",
            kind: "BatchPool",
            namespace: "team-a",
            name: "render",
            policy: "Alert",
            corrected: "false",
          },
          annotations: {
            summary: "BatchPool/team-a/render drifted from its manifest; not corrected (driftPolicy Alert)",
            description: "targetDedicatedNodes: desired 2, live 5",
          },
          startsAt: "2026-01-01T12:00:00.000Z",
        },
      ],
      [expect.objectContaining({ startsAt: "2026-01-01T12:00:00.000Z", endsAt: "2026-01-01T12:01:00.000Z" })],
    ]);
    expect(webhook.firing()).toEqual([]);
  });

  it("posts a stall as critical with the service's message", async () => {
    receiver = await startReceiver();
    const webhook = alerts();
    webhook.stalled({ key: "BatchJob/default/sweep", reason: "PoolQuotaReached", message: "The pool quota was reached." });
    await webhook.flush();
    expect(receiver.posts[0]?.[0]).toMatchObject({
      labels: { alertname: "BatchGitopsStalled", severity: "critical", kind: "BatchJob", namespace: "default", name: "sweep" },
      annotations: { summary: "BatchJob/default/sweep is stalled: PoolQuotaReached", description: "The pool quota was reached." },
    });
  });

  it("does not repeat an unchanged alert but re-posts a changed one with the original startsAt", async () => {
    receiver = await startReceiver();
    const webhook = alerts();
    const key = "BatchPool/default/render" as const;
    webhook.drift({ key, policy: "Correct", corrected: true, differences: ["metadata.team: desired a, live b"] });
    webhook.drift({ key, policy: "Correct", corrected: true, differences: ["metadata.team: desired a, live b"] });
    clock += 1000;
    webhook.drift({ key, policy: "Correct", corrected: true, differences: ["metadata.team: desired a, live c"] });
    await webhook.flush();
    expect(receiver.posts.map((p) => [p[0]?.annotations.description, p[0]?.startsAt])).toEqual([
      ["metadata.team: desired a, live b", "2026-01-01T12:00:00.000Z"],
      ["metadata.team: desired a, live c", "2026-01-01T12:00:00.000Z"],
    ]);
  });

  it("says a drift under driftPolicy Correct was corrected, and closes the old series when the corrected label changes", async () => {
    receiver = await startReceiver();
    const webhook = alerts();
    const key = "BatchPool/default/render" as const;
    webhook.drift({ key, policy: "Correct", corrected: false, differences: ["targetDedicatedNodes: desired 1, live 4"] });
    clock += 1000;
    webhook.drift({ key, policy: "Correct", corrected: true, differences: ["targetDedicatedNodes: desired 1, live 4"] });
    await webhook.flush();
    expect(receiver.posts).toEqual([
      [
        expect.objectContaining({
          labels: expect.objectContaining({ corrected: "false", policy: "Correct" }),
          annotations: expect.objectContaining({ summary: expect.stringContaining("not corrected yet") }),
        }),
      ],
      [
        expect.objectContaining({ labels: expect.objectContaining({ corrected: "false" }), endsAt: "2026-01-01T12:00:01.000Z" }),
        {
          labels: {
            alertname: "BatchGitopsDrift",
            severity: "warning",
            kind: "BatchPool",
            namespace: "default",
            name: "render",
            policy: "Correct",
            corrected: "true",
          },
          annotations: {
            summary: "BatchPool/default/render drifted from its manifest; corrected (driftPolicy Correct)",
            description: "targetDedicatedNodes: desired 1, live 4",
          },
          startsAt: "2026-01-01T12:00:01.000Z",
        },
      ],
    ]);
    expect(webhook.firing()).toHaveLength(1);
  });

  it("ignores a resolve for an alert that never fired", async () => {
    receiver = await startReceiver();
    const webhook = alerts();
    webhook.resolved?.("BatchPool/default/render", "Stalled");
    await webhook.flush();
    expect(receiver.posts).toEqual([]);
  });

  it("retries a failed delivery until the receiver accepts it", async () => {
    receiver = await startReceiver([500, 503]);
    const webhook = alerts();
    webhook.stalled({ key: "BatchPool/default/render", reason: "ResizeError", message: "quota" });
    await webhook.flush();
    expect(receiver.posts).toHaveLength(1);
  });

  it("gives up after maxAttempts without blocking later alerts", async () => {
    receiver = await startReceiver([500, 500]);
    const webhook = alerts({ maxAttempts: 2 });
    webhook.stalled({ key: "BatchPool/default/a", reason: "X", message: "lost" });
    webhook.stalled({ key: "BatchPool/default/b", reason: "Y", message: "delivered" });
    await webhook.flush();
    expect(receiver.posts.map((p) => p[0]?.labels.name)).toEqual(["b"]);
  });
});
