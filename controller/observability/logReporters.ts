import type { Logger } from "pino";
import type { Alerts, DriftAlert, EventRecorder, ResourceKey, StallAlert } from "../runtime/ports.js";

/** Directory mode has no Kubernetes Events: they become log lines with the resource key. */
export function createLogEventRecorder(logger: Logger): EventRecorder {
  const log = logger.child({ component: "events" });
  return {
    record(key: ResourceKey, type: "Normal" | "Warning", reason: string, message: string): void {
      if (type === "Warning") {
        log.warn({ key, reason }, message);
      } else {
        log.info({ key, reason }, message);
      }
    },
  };
}

/**
 * Alerts always go to the log; with --alert-webhook they are also posted (see alertWebhook.ts).
 * The engine reports "resolved" after every clean pass; only alerts that fired are logged as resolved.
 */
export function createLogAlerts(logger: Logger, also?: Alerts): Alerts {
  const log = logger.child({ component: "alerts" });
  const firing = new Set<string>();
  return {
    drift(alert: DriftAlert): void {
      firing.add(`Drift|${alert.key}`);
      log.warn({ key: alert.key, policy: alert.policy, corrected: alert.corrected, differences: alert.differences }, "drift detected");
      also?.drift(alert);
    },
    stalled(alert: StallAlert): void {
      firing.add(`Stalled|${alert.key}`);
      log.error({ key: alert.key, reason: alert.reason }, `stalled: ${alert.message}`);
      also?.stalled(alert);
    },
    resolved(key: ResourceKey, alertName: "Drift" | "Stalled"): void {
      if (firing.delete(`${alertName}|${key}`)) {
        log.info({ key, alert: alertName }, "alert resolved");
      }
      also?.resolved?.(key, alertName);
    },
  };
}
