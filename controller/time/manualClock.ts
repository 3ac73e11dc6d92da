/**
 * A clock that stands still until a test moves it (client-go's fake clock). Timers run in order of
 * due time, then of creation; between two timers `advance` lets pending promise callbacks and I/O
 * callbacks run, so work a timer starts (a reconcile, a write) can arm the next timer before time
 * moves on. Nothing here reads the wall clock.
 */
import type { Clock, TimerHandle } from "./clock.js";

interface Entry {
  readonly id: number;
  readonly due: number;
  readonly callback: () => void;
}

export class ManualClock implements Clock {
  #now: number;
  #nextId = 1;
  readonly #timers = new Map<number, Entry>();

  constructor(startMs = Date.UTC(2026, 0, 1)) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const entry: Entry = { id: this.#nextId++, due: this.#now + Math.max(0, delayMs), callback };
    this.#timers.set(entry.id, entry);
    return { cancel: () => void this.#timers.delete(entry.id) };
  }

  /** Timers still waiting. A test waits for this to reach a count to know the code under test is parked on the clock. */
  pending(): number {
    return this.#timers.size;
  }

  /** Milliseconds until the earliest timer, or undefined when none is pending. */
  nextDueInMs(): number | undefined {
    const next = this.#earliest();
    return next === undefined ? undefined : next.due - this.#now;
  }

  /**
   * Moves time forward by `ms`, running every timer that falls due (including ones armed by the
   * timers it runs) at its own due time, and lets the work each one starts settle before the next.
   */
  async advance(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError("advance needs a non-negative number of milliseconds");
    const target = this.#now + ms;
    await settle();
    for (let next = this.#earliest(); next !== undefined && next.due <= target; next = this.#earliest()) {
      this.#timers.delete(next.id);
      this.#now = Math.max(this.#now, next.due);
      next.callback();
      await settle();
    }
    this.#now = target;
  }

  /** Moves time to the earliest pending timer and runs it (and any due with it). False when none is pending. */
  async advanceToNext(): Promise<boolean> {
    const inMs = this.nextDueInMs();
    if (inMs === undefined) return false;
    await this.advance(Math.max(0, inMs));
    return true;
  }

  #earliest(): Entry | undefined {
    let best: Entry | undefined;
    for (const entry of this.#timers.values()) {
      if (best === undefined || entry.due < best.due || (entry.due === best.due && entry.id < best.id)) best = entry;
    }
    return best;
  }
}

/** One turn of the event loop: promise callbacks and ready I/O callbacks run before it resolves. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
