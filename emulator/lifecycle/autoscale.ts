import type { AutoScaleRun, NodeDeallocationOption, PoolEntity, PoolStore } from "../store/pool-store.js";
import { beginResize, liveNodes } from "./pool-allocation.js";
import { evaluateFormula, FormulaSyntaxError, type FormulaResult } from "./autoscale-formula.js";

/** Evaluates `formula` for `pool` without applying it (evaluateautoscale, and each scheduled run). */
export function evaluateFor(store: PoolStore, pool: PoolEntity, formula: string): { run: AutoScaleRun; result?: FormulaResult } {
  const timestamp = store.account.clock.now();
  const metrics = store.taskMetrics(pool.id);
  try {
    const result = evaluateFormula(formula, {
      currentDedicatedNodes: liveNodes(pool, true).length,
      currentLowPriorityNodes: liveNodes(pool, false).length,
      targetDedicatedNodes: pool.targetDedicatedNodes,
      targetLowPriorityNodes: pool.targetLowPriorityNodes,
      activeTasks: metrics.activeTasks,
      runningTasks: metrics.runningTasks,
    });
    return { run: { timestamp, results: result.results }, result };
  } catch (err: unknown) {
    const syntax = err instanceof FormulaSyntaxError;
    const message = err instanceof Error ? err.message : String(err);
    return {
      run: {
        timestamp,
        error: {
          code: syntax ? "AutoScalingFormulaSyntaxError" : "AutoScalingFormulaEvaluationError",
          message: syntax ? "The autoscale formula has a syntax error" : "An error occurred while evaluating the autoscale formula",
          values: [{ name: "Message", value: message }],
        },
      },
    };
  }
}

/** One scheduled evaluation: records autoScaleRun and resizes when the pool is steady and targets changed. */
export function runAutoScale(store: PoolStore, pool: PoolEntity): void {
  if (!pool.enableAutoScale || pool.autoScaleFormula === undefined || pool.state !== "active") return;
  const { run, result } = evaluateFor(store, pool, pool.autoScaleFormula);
  pool.autoScaleRun = run;
  if (result === undefined || pool.allocationState !== "steady") return;
  if (result.targetDedicatedNodes === pool.targetDedicatedNodes && result.targetLowPriorityNodes === pool.targetLowPriorityNodes) return;
  pool.targetDedicatedNodes = result.targetDedicatedNodes;
  pool.targetLowPriorityNodes = result.targetLowPriorityNodes;
  beginResize(store, pool, result.nodeDeallocationOption as NodeDeallocationOption);
}

/** Evaluates now and then every autoScaleEvaluationInterval, until autoscale is disabled or the pool goes. */
export function startAutoScale(store: PoolStore, pool: PoolEntity): void {
  stopAutoScale(store, pool);
  const tick = (): void => {
    runAutoScale(store, pool);
    if (pool.enableAutoScale && pool.state === "active") {
      pool.autoScaleTimer = store.account.clock.schedule(pool.autoScaleEvaluationIntervalMs ?? 15 * 60_000, tick);
    }
  };
  tick();
}

export function stopAutoScale(store: PoolStore, pool: PoolEntity): void {
  if (pool.autoScaleTimer !== undefined) store.account.clock.cancel(pool.autoScaleTimer);
  pool.autoScaleTimer = undefined;
}
