/**
 * The emulator's clock. Every lifecycle (pool allocation, node boot, task runs) schedules on it, so tests
 * can swap real time for a virtual clock and drive state changes deterministically with `advance`.
 *
 * Both modes keep timers in one binary heap ordered by (due time, insertion order): the real clock arms a
 * single Node timer for the earliest entry, so a million pending task timers cost no Node handles.
 */
export type ClockMode = "real" | "virtual";

export interface TimerHandle {
  readonly id: number;
}

export interface EmulatorClock {
  readonly mode: ClockMode;
  /** Milliseconds since the epoch, on this clock. */
  now(): number;
  /** Runs `callback` once, `delayMs` from now on this clock. */
  schedule(delayMs: number, callback: () => void): TimerHandle;
  cancel(handle: TimerHandle): void;
  /** Virtual clock only: moves time forward, running every timer that falls due, in order. */
  advance(ms: number): void;
  /** Number of timers still pending (for tests and diagnostics). */
  pending(): number;
  /** Cancels every timer (on close or reset). */
  clear(): void;
}

interface Timer {
  readonly id: number;
  readonly due: number;
  readonly callback: () => void;
  cancelled: boolean;
}

/** A min-heap of timers by (due, id); id breaks ties so timers due together run in scheduling order. */
class TimerHeap {
  private readonly items: Timer[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): Timer | undefined {
    return this.items[0];
  }

  push(timer: Timer): void {
    const items = this.items;
    items.push(timer);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(timer, items[parent] as Timer)) break;
      items[i] = items[parent] as Timer;
      i = parent;
    }
    items[i] = timer;
  }

  pop(): Timer | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child = right < items.length && before(items[right] as Timer, items[left] as Timer) ? right : left;
      if (!before(items[child] as Timer, last)) break;
      items[i] = items[child] as Timer;
      i = child;
    }
    items[i] = last;
    return top;
  }

  clear(): void {
    this.items.length = 0;
  }
}

function before(a: Timer, b: Timer): boolean {
  return a.due < b.due || (a.due === b.due && a.id < b.id);
}

abstract class HeapClock implements EmulatorClock {
  abstract readonly mode: ClockMode;
  protected readonly heap = new TimerHeap();
  private readonly live = new Map<number, Timer>();
  private nextId = 1;

  abstract now(): number;
  abstract advance(ms: number): void;

  schedule(delayMs: number, callback: () => void): TimerHandle {
    const timer: Timer = { id: this.nextId++, due: this.now() + Math.max(0, delayMs), callback, cancelled: false };
    this.heap.push(timer);
    this.live.set(timer.id, timer);
    this.onScheduled();
    return { id: timer.id };
  }

  cancel(handle: TimerHandle): void {
    const timer = this.live.get(handle.id);
    if (timer === undefined) return;
    timer.cancelled = true;
    this.live.delete(handle.id);
  }

  pending(): number {
    return this.live.size;
  }

  clear(): void {
    this.heap.clear();
    this.live.clear();
  }

  protected onScheduled(): void {}

  /** Pops and runs the earliest timer if it is due by `limit`; returns false when none is. */
  protected runNextDue(limit: number, setNow: (due: number) => void): boolean {
    for (;;) {
      const top = this.heap.peek();
      if (top === undefined || top.due > limit) return false;
      this.heap.pop();
      if (top.cancelled) continue;
      this.live.delete(top.id);
      setNow(top.due);
      top.callback();
      return true;
    }
  }
}

/** Deterministic time: stands still until `advance` is called. Starts at `startMs` (default: real now). */
export class VirtualClock extends HeapClock {
  readonly mode = "virtual" as const;
  private current: number;

  constructor(startMs: number = Date.now()) {
    super();
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError("advance needs a non-negative number of milliseconds");
    const target = this.current + ms;
    // Timers scheduled by callbacks run too, when they fall due before the target.
    while (this.runNextDue(target, (due) => (this.current = Math.max(this.current, due)))) {
      // keep running
    }
    this.current = target;
  }
}

/** Wall-clock time; one unref'd Node timer is armed for the earliest pending entry. */
export class RealClock extends HeapClock {
  readonly mode = "real" as const;
  private armed: NodeJS.Timeout | undefined;
  private armedFor = Infinity;

  now(): number {
    return Date.now();
  }

  advance(_ms: number): void {
    throw new Error("advance is only available on the virtual clock");
  }

  override clear(): void {
    super.clear();
    if (this.armed !== undefined) clearTimeout(this.armed);
    this.armed = undefined;
    this.armedFor = Infinity;
  }

  protected override onScheduled(): void {
    this.arm();
  }

  private arm(): void {
    const top = this.heap.peek();
    if (top === undefined || top.due >= this.armedFor) return;
    if (this.armed !== undefined) clearTimeout(this.armed);
    this.armedFor = top.due;
    this.armed = setTimeout(() => this.fire(), Math.max(0, top.due - Date.now()));
    this.armed.unref();
  }

  private fire(): void {
    this.armed = undefined;
    this.armedFor = Infinity;
    const now = Date.now();
    while (this.runNextDue(now, () => undefined)) {
      // keep running
    }
    this.arm();
  }
}

export function createClock(mode: ClockMode): EmulatorClock {
  return mode === "virtual" ? new VirtualClock() : new RealClock();
}
