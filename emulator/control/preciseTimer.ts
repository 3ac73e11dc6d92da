/**
 * Waits until a performance.now() deadline to within a fraction of a millisecond, for the `responseTime`
 * fault (ADR 0036). setTimeout counts whole milliseconds of the event loop's cached time: a 20 ms response
 * time was released 0.7-0.8 ms late on average (1.2-1.5 ms at the 90th percentile), 4 % more than the
 * response time the benchmarks' bound assumes. Here a worker thread sleeps in Atomics.wait, whose timeout
 * is not rounded to milliseconds, until the earliest deadline, and posts the due ones back; the event loop
 * wakes on that message. Busy-waiting would be as precise, but would take a core from the client under test.
 *
 * The worker is plain JavaScript (`eval`), so it runs the same from TypeScript sources and from the built
 * image. It is started by the first wait, kept out of the process's liveness while nothing waits, and
 * ended after `idleExitMs` without a wait (or by close()).
 */
import { MessageChannel, Worker, type MessagePort } from "node:worker_threads";

const WORKER_SOURCE = `
const { parentPort, workerData, receiveMessageOnPort } = require("node:worker_threads");
const { port, signal } = workerData;
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
const pending = [];
while (Atomics.load(signal, 1) === 0) {
  const seen = Atomics.load(signal, 0);
  for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) pending.push(m.message);
  const now = nowMs();
  const due = [];
  let next = Infinity;
  for (let i = pending.length - 1; i >= 0; i--) {
    if (pending[i].at <= now) due.push(pending.splice(i, 1)[0]);
    else next = Math.min(next, pending[i].at);
  }
  if (due.length > 0) parentPort.postMessage(due.sort((a, b) => a.at - b.at).map((d) => d.id));
  Atomics.wait(signal, 0, seen, next - now);
}
`;

/**
 * performance.now() counts from this thread's origin, the worker from the same monotonic clock's zero
 * (hrtime): deadlines travel as hrtime milliseconds. The difference is read once, so deadlines keep their
 * order to the microsecond, and performance.now() first, so it errs late, never early.
 */
const hrNowMs = (): number => Number(process.hrtime.bigint()) / 1e6;
const performanceReadFirst = performance.now();
const HRTIME_MINUS_PERFORMANCE_MS = hrNowMs() - performanceReadFirst;

interface Running {
  readonly worker: Worker;
  readonly port: MessagePort;
  /** [0] is bumped with each new deadline (it wakes the worker); [1] set to 1 ends it. */
  readonly signal: Int32Array;
}

export class PreciseTimer {
  #running: Running | undefined;
  #idle: NodeJS.Timeout | undefined;
  #nextId = 0;
  readonly #waiting = new Map<number, () => void>();

  constructor(private readonly idleExitMs = 5_000) {}

  /** Whether the worker thread is running (it ends after idleExitMs without a wait). */
  get threadRunning(): boolean {
    return this.#running !== undefined;
  }

  /** Starts the worker ahead of the first wait (it takes tens of milliseconds to start). */
  warm(): void {
    this.#start();
    if (this.#waiting.size === 0) this.#idleFromNow();
  }

  /** Resolves once performance.now() reaches `deadline`, at once if it has. */
  wait(deadline: number): Promise<void> {
    const left = deadline - performance.now();
    if (left <= 0) return Promise.resolve();
    const running = this.#start();
    clearTimeout(this.#idle);
    // Referenced while anything waits, so a wait keeps the process alive as a timer would.
    if (this.#waiting.size === 0) running.worker.ref();
    const id = this.#nextId++;
    return new Promise((resolve) => {
      this.#waiting.set(id, resolve);
      running.port.postMessage({ id, at: deadline + HRTIME_MINUS_PERFORMANCE_MS });
      Atomics.add(running.signal, 0, 1);
      Atomics.notify(running.signal, 0);
    });
  }

  /** Ends the worker; waits still pending resolve at once. */
  close(): void {
    clearTimeout(this.#idle);
    this.#end();
    for (const resolve of this.#waiting.values()) resolve();
    this.#waiting.clear();
  }

  #due(ids: readonly number[]): void {
    for (const id of ids) {
      this.#waiting.get(id)?.();
      this.#waiting.delete(id);
    }
    if (this.#waiting.size > 0 || this.#running === undefined) return;
    this.#running.worker.unref();
    this.#idleFromNow();
  }

  /** Only this side knows that nothing waits, so only it decides that the worker ends. */
  #idleFromNow(): void {
    clearTimeout(this.#idle);
    this.#idle = setTimeout(() => this.#end(), this.idleExitMs).unref();
  }

  #end(): void {
    if (this.#running === undefined) return;
    Atomics.store(this.#running.signal, 1, 1);
    Atomics.notify(this.#running.signal, 0);
    this.#running.port.close();
    this.#running.worker.unref();
    this.#running = undefined;
  }

  #start(): Running {
    if (this.#running !== undefined) return this.#running;
    const { port1, port2 } = new MessageChannel();
    const signal = new Int32Array(new SharedArrayBuffer(8));
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { port: port2, signal }, transferList: [port2] });
    worker.on("message", (ids: number[]) => this.#due(ids));
    // A worker that failed would leave its waits pending forever: they are answered at once instead.
    worker.on("error", () => this.close());
    worker.unref();
    this.#running = { worker, port: port1, signal };
    return this.#running;
  }
}
