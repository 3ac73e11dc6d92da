import type { Problem } from "../runtime/ports.js";
import { systemClock, type Clock, type TimerHandle } from "../time/clock.js";
import type { StatusDocument } from "../runtime/publicStatus.js";
import { formatPlainLine, formatTable, rowsOf } from "./statusRows.js";

export interface TerminalViewOptions {
  out: NodeJS.WritableStream;
  /** live: redraw a table in place (a TTY); plain: print a line when a resource's line changes. */
  mode: "live" | "plain";
  read: () => StatusDocument;
  /** Minimum time between two redraws; default 250 ms. */
  throttleMs?: number;
  /** A line under the live table, e.g. where the logs go. */
  footer?: string;
  /** Time for the redraw throttle. Default the system clock. */
  clock?: Clock;
}

export interface TerminalView {
  /** Something changed: redraw soon (throttled). */
  notify(): void;
  /** Draws once more now and stops. */
  stop(): void;
}

const CURSOR_UP_TO_LINE_START = (n: number): string => `\x1b[${n}F`;
const CLEAR_TO_END = "\x1b[0J";

/** The live terminal view (TTY) or plain change lines; never both. */
export function createTerminalView(options: TerminalViewOptions): TerminalView {
  const throttleMs = options.throttleMs ?? 250;
  const clock = options.clock ?? systemClock;
  let timer: TimerHandle | undefined;
  let lastDraw = 0;
  let stopped = false;
  let drawnLines = 0;
  let lastFrame = "";
  const lastPlain = new Map<string, string>();

  function drawLive(): void {
    const doc = options.read();
    const lines = [...formatTable(rowsOf(doc), { bars: true, maxMessage: 60 }), ...problemLines(doc.problems ?? [])];
    if (options.footer !== undefined) {
      lines.push("", options.footer);
    }
    const frame = lines.join("\n");
    if (frame === lastFrame) {
      return;
    }
    const rewind = drawnLines > 0 ? CURSOR_UP_TO_LINE_START(drawnLines) : "";
    options.out.write(`${rewind}${CLEAR_TO_END}${frame}\n`);
    drawnLines = lines.length;
    lastFrame = frame;
  }

  function drawPlain(): void {
    for (const row of rowsOf(options.read())) {
      const line = formatPlainLine(row);
      if (lastPlain.get(row.key) !== line) {
        lastPlain.set(row.key, line);
        options.out.write(`${line}\n`);
      }
    }
  }

  function draw(): void {
    timer = undefined;
    lastDraw = clock.now();
    if (options.mode === "live") {
      drawLive();
    } else {
      drawPlain();
    }
  }

  return {
    notify(): void {
      if (stopped || timer !== undefined) {
        return;
      }
      const wait = Math.max(0, lastDraw + throttleMs - clock.now());
      timer = clock.setTimeout(draw, wait, { keepAlive: true });
    },
    stop(): void {
      if (stopped) {
        return;
      }
      stopped = true;
      timer?.cancel();
      draw();
    },
  };
}

function problemLines(problems: readonly Problem[]): string[] {
  if (problems.length === 0) {
    return [];
  }
  return [
    "",
    "PROBLEMS",
    ...problems.map((p) => `  ${p.severity}: ${[p.file, p.line].filter((x) => x !== undefined).join(":")} ${p.message}`),
  ];
}
