/** One condition as status carries it (kstatus / metav1.Condition shape); the core computes them. */
export interface ConditionRecord {
  readonly type: string;
  readonly status: "True" | "False" | "Unknown";
  readonly reason: string;
  readonly message: string;
  readonly lastTransitionTime: string;
  readonly observedGeneration?: number;
}
