/**
 * The next few chunks of a submission, built ahead in the event loop's check phase (setImmediate), after
 * the answers that arrived: a freed request slot is filled at once with a chunk already built, and building
 * never holds up the handling of another answer (docs/adr/0035).
 */

/**
 * The items of `source`, in order, with up to `depth` of them pulled before they are asked for, one pull per
 * turn of the event loop. An error of the source is thrown after the items before it; returning early (an
 * aborted or failed submission) stops the pulling and returns the source.
 */
export async function* readAhead<T>(source: AsyncIterable<T>, depth: number): AsyncGenerator<T> {
  if (!(depth >= 1)) throw new RangeError(`read-ahead depth must be at least 1, not ${depth}`);
  const buffer = new AheadBuffer(source[Symbol.asyncIterator](), depth);
  try {
    for (;;) {
      const next = await buffer.take();
      if (next.done === true) return;
      yield next.value;
    }
  } finally {
    await buffer.close();
  }
}

class AheadBuffer<T> {
  private readonly ready: IteratorResult<T>[] = [];
  private failure: { readonly error: unknown } | undefined;
  private pulling: Promise<void> = Promise.resolve();
  private active = false;
  private sourceDone = false;
  private stopped = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly iterator: AsyncIterator<T>,
    private readonly depth: number,
  ) {}

  /** The next item (or the end), waiting for it if none is ready; the source's error once none is left. */
  async take(): Promise<IteratorResult<T>> {
    this.fill();
    while (this.ready.length === 0 && this.failure === undefined) await new Promise<void>((resolve) => (this.wake = resolve));
    const next = this.ready.shift();
    this.fill();
    if (next !== undefined) return next;
    throw (this.failure as { readonly error: unknown }).error;
  }

  /** Stops pulling; a source not yet finished is returned, after the pull under way (an async generator takes return() only then). */
  async close(): Promise<void> {
    this.stopped = true;
    this.wake = undefined;
    await this.pulling;
    if (!this.sourceDone) await this.iterator.return?.();
  }

  private fill(): void {
    if (!this.active && !this.sourceDone && !this.stopped && this.ready.length < this.depth) this.pulling = this.pull();
  }

  private async pull(): Promise<void> {
    this.active = true;
    try {
      while (!this.stopped && !this.sourceDone && this.ready.length < this.depth) {
        await new Promise((resolve) => setImmediate(resolve));
        if (this.stopped) return;
        const result = await this.iterator.next();
        this.ready.push(result);
        this.sourceDone = result.done === true;
        this.wake?.();
      }
    } catch (error: unknown) {
      this.failure = { error };
      this.sourceDone = true;
      this.wake?.();
    } finally {
      this.active = false;
    }
  }
}
