/**
 * The Batch adapter contract: the only way the engine reaches Azure Batch.
 * Implemented over @azure/batch in batchAdapter.ts. Observed shapes are the engine's own,
 * trimmed to the fields the planner compares.
 */
export interface BatchAdapter {
  readonly accountUrl: string;
}
