import { pino, type DestinationStream, type Logger } from "pino";
import { createRequire } from "node:module";
import type PinoPretty from "pino-pretty";
import type { LogFormat, LogLevel } from "../config/runConfig.js";

/**
 * Field names whose values are never logged, wherever they appear (one or two levels deep).
 * Secret values are also wrapped in config/secret.ts, which serializes as "[redacted]"; this list
 * catches plain strings that slip through (headers, SDK errors carrying request options).
 */
const SECRET_FIELDS = ["accountKey", "password", "secret", "token", "authorization", "Authorization", "sharedKey"];
export const REDACT_PATHS = [...SECRET_FIELDS, ...SECRET_FIELDS.map((f) => `*.${f}`), ...SECRET_FIELDS.map((f) => `*.*.${f}`)];

export interface LoggerOptions {
  format: LogFormat;
  level: LogLevel;
  /** Where lines go; default stdout. The live terminal view sends logs to a file instead. */
  destination?: DestinationStream;
  /** Colours in pretty output; default: only when writing to a terminal. */
  colorize?: boolean;
}

/** The one root logger of a process; everything else takes `logger.child({...})`. */
export function createRootLogger(options: LoggerOptions): Logger {
  const base = { level: options.level, redact: { paths: REDACT_PATHS, censor: "[redacted]" }, base: { app: "batch-gitops" } };
  if (options.format === "json") {
    // "level":"info" and an ISO "time", as Loki, Elastic and Cloud Logging expect (pino's own
    // defaults are a number for each).
    const json = { ...base, formatters: { level: (label: string) => ({ level: label }) }, timestamp: pino.stdTimeFunctions.isoTime };
    return pino(json, options.destination ?? pino.destination({ dest: 1, sync: false }));
  }
  // Loaded only for pretty output (≈ 9 MB resident): JSON logging, the container's default, never needs it (docs/adr/0027).
  const pretty = createRequire(import.meta.url)("pino-pretty") as typeof PinoPretty;
  const stream = pretty({
    colorize: options.colorize ?? (options.destination === undefined && process.stdout.isTTY),
    destination: options.destination ?? 1,
    ignore: "pid,hostname,app",
    translateTime: "SYS:HH:MM:ss.l",
    sync: true,
  });
  return pino(base, stream);
}
