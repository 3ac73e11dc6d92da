/**
 * A first-in first-out list with O(1) `shift`. `Array.prototype.shift` is O(1) only while V8 can move
 * the array's start in place; an array of more than about 16,000 elements lives in V8's large-object
 * space, where every shift copies the rest: a work queue of 20,000 keys then spent 0.7 s, and one of
 * 100,000 keys 17 s, just taking keys off its front. Taken slots are released in chunks instead.
 */
export class Fifo<T> {
  #items: (T | undefined)[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  /** Slots held, taken ones included: at most about twice `length`, plus one chunk. */
  get retained(): number {
    return this.#items.length;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  shift(): T | undefined {
    if (this.#head === this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    // Drop the taken slots once they are most of the array: one copy per as many shifts, so O(1) each.
    if (this.#head >= COMPACT_AFTER && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }
}

const COMPACT_AFTER = 1024;
