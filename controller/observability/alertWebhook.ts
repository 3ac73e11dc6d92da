import type { Logger } from "pino";
import { driftOutcome } from "../core/driftOutcome.js";
import { backoffDelayMs } from "../time/backoff.js";
import { delay, every, systemClock, type Clock } from "../time/clock.js";
import { parseResourceKey, type Alerts, type DriftAlert, type ResourceKey, type StallAlert } from "../runtime/ports.js";

/**
 * One alert in Alertmanager's POST /api/v2/alerts shape. Drift alerts add the labels `policy`
 * (Correct | Alert) and `corrected` ("true" | "false"), so routes can page on drift nobody fixes.
 */
export interface AlertmanagerAlert {
  labels: { alertname: string; severity: string; kind: string; namespace: string; name: string; policy?: string; corrected?: string };
  annotations: { summary: string; description: string };
  startsAt: string;
  endsAt?: string;
}

export type AlertName = "Drift" | "Stalled";

const ALERTNAME: Record<AlertName, string> = { Drift: "BatchGitopsDrift", Stalled: "BatchGitopsStalled" };
const SEVERITY: Record<AlertName, string> = { Drift: "warning", Stalled: "critical" };

export interface WebhookAlertsOptions {
  url: string;
  logger: Logger;
  signal: AbortSignal;
  /** Attempts per delivery before giving up (logged); default 5. */
  maxAttempts?: number;
  /** First retry delay, doubled each attempt; default 500 ms. */
  retryDelayMs?: number;
  /** Re-post firing alerts this often, so Alertmanager does not time them out; default 60 s, 0 = never. */
  repeatIntervalMs?: number;
  /** Time for startsAt/endsAt, the repeat interval and retry waits. Default the system clock. */
  clock?: Clock;
  fetch?: typeof fetch;
}

export interface WebhookAlerts extends Alerts {
  /** Resolves once every queued delivery has finished (tests, shutdown). */
  flush(): Promise<void>;
  /** Alerts currently firing. */
  firing(): AlertmanagerAlert[];
}

interface OpenAlert {
  alert: AlertmanagerAlert;
  /** What the alert says; a change re-posts it, an identical report does not. */
  fingerprint: string;
}

/**
 * Posts drift and stall alerts to a webhook as Alertmanager JSON. Firing alerts are de-duplicated
 * per resource and alert name, re-posted when their description changes and every repeat
 * interval, and closed with `endsAt` when resolved. Deliveries are sequential and retried.
 */
export function createWebhookAlerts(options: WebhookAlertsOptions): WebhookAlerts {
  const clock = options.clock ?? systemClock;
  const now = (): number => clock.now();
  const open = new Map<string, OpenAlert>();
  const deliver = createDelivery(options);

  function fire(
    key: ResourceKey,
    name: AlertName,
    text: { summary: string; description: string },
    extraLabels: Record<string, string> = {},
  ): void {
    const id = `${name}|${key}`;
    const { kind, namespace, resourceName } = labelsOf(key);
    const labels = { alertname: ALERTNAME[name], severity: SEVERITY[name], kind, namespace, name: resourceName, ...extraLabels };
    const fingerprint = JSON.stringify([labels, text.summary, text.description]);
    const existing = open.get(id);
    if (existing?.fingerprint === fingerprint) {
      return;
    }
    // Alertmanager identifies an alert by its labels: when they change (corrected → not corrected),
    // the old series is closed, or it would fire on until Alertmanager's resolve timeout.
    const relabelled = existing !== undefined && JSON.stringify(existing.alert.labels) !== JSON.stringify(labels);
    const alert: AlertmanagerAlert = {
      labels,
      annotations: { summary: text.summary, description: text.description },
      startsAt: existing !== undefined && !relabelled ? existing.alert.startsAt : new Date(now()).toISOString(),
    };
    open.set(id, { alert, fingerprint });
    deliver(relabelled ? [{ ...existing.alert, endsAt: alert.startsAt }, alert] : [alert]);
  }

  const repeatMs = options.repeatIntervalMs ?? 60_000;
  if (repeatMs > 0) {
    const timer = every(clock, repeatMs, () => {
      if (open.size > 0) {
        deliver([...open.values()].map((o) => o.alert));
      }
    });
    options.signal.addEventListener("abort", () => timer.cancel(), { once: true });
  }

  return {
    drift(alert: DriftAlert): void {
      const summary = `${alert.key} drifted from its manifest; ${driftOutcome(alert.policy, alert.corrected)}`;
      fire(
        alert.key,
        "Drift",
        { summary, description: alert.differences.join("\n") },
        { policy: alert.policy, corrected: String(alert.corrected) },
      );
    },
    stalled(alert: StallAlert): void {
      fire(alert.key, "Stalled", { summary: `${alert.key} is stalled: ${alert.reason}`, description: alert.message });
    },
    resolved(key: ResourceKey, name: AlertName): void {
      const id = `${name}|${key}`;
      const existing = open.get(id);
      if (existing === undefined) {
        return;
      }
      open.delete(id);
      deliver([{ ...existing.alert, endsAt: new Date(now()).toISOString() }]);
    },
    flush: () => deliver.idle(),
    firing: () => [...open.values()].map((o) => o.alert),
  };
}

function labelsOf(key: ResourceKey): { kind: string; namespace: string; resourceName: string } {
  const { kind, namespace, name } = parseResourceKey(key);
  return { kind, namespace, resourceName: name };
}

/** Upper bound of one retry wait. */
const MAX_RETRY_DELAY_MS = 60_000;

type Delivery = ((alerts: AlertmanagerAlert[]) => void) & { idle(): Promise<void> };

/** A sequential delivery chain: order is kept (a resolve never overtakes its firing). */
function createDelivery(options: WebhookAlertsOptions): Delivery {
  const post = options.fetch ?? fetch;
  const maxAttempts = options.maxAttempts ?? 5;
  const retryDelayMs = options.retryDelayMs ?? 500;
  const target = safeTarget(options.url);
  const clock = options.clock ?? systemClock;
  let chain: Promise<void> = Promise.resolve();

  async function send(alerts: AlertmanagerAlert[]): Promise<void> {
    for (let attempt = 1; attempt <= maxAttempts && !options.signal.aborted; attempt++) {
      const status = await postOnce(post, options.url, alerts, options.signal);
      if (status >= 200 && status < 300) {
        return;
      }
      options.logger.warn({ target, status, attempt }, "alert webhook delivery failed");
      if (attempt < maxAttempts) {
        // Doubling without jitter: one receiver, sequential deliveries, nothing to spread out.
        await delay(clock, backoffDelayMs(attempt, { baseMs: retryDelayMs, maxMs: MAX_RETRY_DELAY_MS, jitter: 0 }), options.signal);
      }
    }
    options.logger.error({ target, alerts: alerts.length }, "alert webhook delivery given up");
  }

  const deliver = ((alerts: AlertmanagerAlert[]) => {
    chain = chain.then(() => send(alerts));
  }) as Delivery;
  deliver.idle = () => chain;
  return deliver;
}

/** Returns the HTTP status, or 0 for a network error (retried like a 5xx). */
async function postOnce(post: typeof fetch, url: string, alerts: AlertmanagerAlert[], signal: AbortSignal): Promise<number> {
  try {
    const response = await post(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(alerts),
      signal,
    });
    await response.body?.cancel();
    return response.status;
  } catch {
    return 0;
  }
}

/** Webhook URLs often embed tokens (Slack, Teams): log only scheme, host and port. */
function safeTarget(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}`;
}
