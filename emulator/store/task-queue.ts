/**
 * A job's ready queue: tasks that are active and have no unmet dependency, in the order they became ready.
 * A FIFO with a moving head (O(1) push and shift). Entries are removed lazily: a task deleted, terminated or
 * started elsewhere has `queued` cleared and is skipped when it reaches the head.
 */
export class TaskQueue<T extends { queued: boolean }> {
  #items: T[] = [];
  #head = 0;

  push(task: T): void {
    task.queued = true;
    this.#items.push(task);
  }

  /** Puts a task first (a retry or a requeue runs before tasks that never ran, as on the service). */
  pushFront(task: T): void {
    task.queued = true;
    if (this.#head > 0) {
      this.#head -= 1;
      this.#items[this.#head] = task;
    } else {
      this.#items.unshift(task);
    }
  }

  /** The first task still queued, without removing it. */
  peek(): T | undefined {
    while (this.#head < this.#items.length) {
      const task = this.#items[this.#head];
      if (task !== undefined && task.queued) return task;
      this.#head += 1;
    }
    this.#compact();
    return undefined;
  }

  shift(): T | undefined {
    const task = this.peek();
    if (task === undefined) return undefined;
    task.queued = false;
    this.#head += 1;
    this.#compact();
    return task;
  }

  clear(): void {
    for (let i = this.#head; i < this.#items.length; i++) {
      const task = this.#items[i];
      if (task !== undefined) task.queued = false;
    }
    this.#items = [];
    this.#head = 0;
  }

  #compact(): void {
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head > 4096 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
  }
}
