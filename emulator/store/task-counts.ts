/**
 * A job's task counts, maintained incrementally on every task state change so Job_GetTaskCounts is O(1)
 * whatever the number of tasks. `preparing` counts as running; completed tasks are split by result.
 */
export type CountedState = "active" | "running" | "succeeded" | "failed";

export interface CountsBody {
  active: number;
  running: number;
  completed: number;
  succeeded: number;
  failed: number;
}

export class TaskCounter {
  #tasks = { active: 0, running: 0, succeeded: 0, failed: 0 };
  #slots = { active: 0, running: 0, succeeded: 0, failed: 0 };

  add(state: CountedState, slots: number): void {
    this.#tasks[state] += 1;
    this.#slots[state] += slots;
  }

  remove(state: CountedState, slots: number): void {
    this.#tasks[state] -= 1;
    this.#slots[state] -= slots;
  }

  move(from: CountedState, to: CountedState, slots: number): void {
    if (from === to) return;
    this.remove(from, slots);
    this.add(to, slots);
  }

  /** Tasks not yet completed (for onAllTasksComplete). */
  get unfinished(): number {
    return this.#tasks.active + this.#tasks.running;
  }

  /** The TaskCountsResult body. */
  toWire(): { taskCounts: CountsBody; taskSlotCounts: CountsBody } {
    return { taskCounts: toBody(this.#tasks), taskSlotCounts: toBody(this.#slots) };
  }
}

function toBody(counts: { active: number; running: number; succeeded: number; failed: number }): CountsBody {
  return {
    active: counts.active,
    running: counts.running,
    completed: counts.succeeded + counts.failed,
    succeeded: counts.succeeded,
    failed: counts.failed,
  };
}
