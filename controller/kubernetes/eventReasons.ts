/**
 * Event reasons as Kubernetes users read them: what happened, in the past tense (PoolCreated,
 * PoolResized...), rather than the engine's action names (CreatePool, ResizePool...), which stay as
 * they are in directory-mode logs. Reasons the engine already words as outcomes pass through.
 */
const BY_ACTION: Readonly<Record<string, string>> = {
  CreatePool: "PoolCreated",
  ResizePool: "PoolResized",
  StopResize: "PoolResizeStopped",
  EnableAutoScale: "AutoScaleEnabled",
  DisableAutoScale: "AutoScaleDisabled",
  PatchPool: "PoolUpdated",
  DrainPool: "PoolDraining",
  DeletePool: "PoolDeleted",
  CreateJob: "JobCreated",
  PatchJob: "JobUpdated",
  DisableJob: "JobDisabled",
  EnableJob: "JobEnabled",
  SubmitTasks: "TasksSubmitted",
  DeleteJob: "JobDeleted",
};

/** The Event reason for an engine reason; a pool created to replace another (BlueGreen, Recreate) is PoolReplaced. */
export function clusterEventReason(reason: string, message: string): string {
  if (reason === "CreatePool" && /blue-?green|recreate|replac/i.test(message)) {
    return "PoolReplaced";
  }
  return BY_ACTION[reason] ?? reason;
}
