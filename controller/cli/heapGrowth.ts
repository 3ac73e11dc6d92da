/**
 * V8's heap growing factor for the long-running controller (docs/adr/0027). After each full collection
 * V8 lets the old generation grow to a multiple of the live heap before the next one, up to 4× when the
 * program allocates fast. A 100,000-task sweep allocates fast but keeps little (≈ 32 MB live at 1,000
 * pools), so the process peaked at ≈ 210-225 MB RSS, mostly garbage waiting for a collection. With the
 * factor at 1 + 25 %, the peak follows the live heap instead; nothing is capped, so a larger account
 * still gets all the heap it needs, at the price of more frequent (short) full collections.
 */
import { setFlagsFromString } from "node:v8";

export const HEAP_GROWING_PERCENT = 25;

/** Sets the factor unless the operator chose one (`node --heap-growing-percent=N`); true when it was set here. */
export function limitHeapGrowth(execArgv: readonly string[] = process.execArgv): boolean {
  if (execArgv.some((arg) => /^--heap[-_]growing[-_]percent\b/.test(arg))) return false;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return true;
}
