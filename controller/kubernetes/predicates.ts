/**
 * Which informer events lead to a reconcile. Each predicate returns the reason to enqueue, or
 * undefined; the first match wins, so logs can say why a key was queued. Status-only updates
 * (generation unchanged, nothing else we care about) are skipped: our own status writes would
 * otherwise requeue every resource after every reconcile.
 */
import type { InformerEvent } from "./informer.js";
import { FINALIZER, REQUESTED_AT_ANNOTATION, isBeingDeleted, type KubeObject } from "./resources.js";

export type EnqueueReason =
  "Added" | "Deleted" | "SpecChanged" | "DeletionRequested" | "ReconcileRequested" | "FinalizerChanged" | "LabelsChanged";

type UpdatePredicate = (old: KubeObject, object: KubeObject) => EnqueueReason | undefined;

const generationChanged: UpdatePredicate = (old, object) =>
  old.metadata?.generation !== object.metadata?.generation ? "SpecChanged" : undefined;

const deletionRequested: UpdatePredicate = (old, object) =>
  !isBeingDeleted(old) && isBeingDeleted(object) ? "DeletionRequested" : undefined;

/** Flux's `reconcile.fluxcd.io/requestedAt` (what `flux reconcile` and Argo CD "refresh" tooling set). */
const reconcileRequested: UpdatePredicate = (old, object) =>
  old.metadata?.annotations?.[REQUESTED_AT_ANNOTATION] !== object.metadata?.annotations?.[REQUESTED_AT_ANNOTATION]
    ? "ReconcileRequested"
    : undefined;

/**
 * Our finalizer stripped by hand: the next reconcile puts it back. Its landing needs no pass: the
 * engine added it itself, in the pass that goes on to write to Batch.
 */
const finalizerChanged: UpdatePredicate = (old, object) =>
  (old.metadata?.finalizers?.includes(FINALIZER) ?? false) && !(object.metadata?.finalizers?.includes(FINALIZER) ?? false)
    ? "FinalizerChanged"
    : undefined;

/** Labels may move a resource in or out of a shard's selector or change what a job selects. */
const labelsChanged: UpdatePredicate = (old, object) =>
  JSON.stringify(old.metadata?.labels ?? {}) !== JSON.stringify(object.metadata?.labels ?? {}) ? "LabelsChanged" : undefined;

const UPDATE_PREDICATES: readonly UpdatePredicate[] = [
  generationChanged,
  deletionRequested,
  reconcileRequested,
  finalizerChanged,
  labelsChanged,
];

/** Why this event should reconcile its object, or undefined to skip it. */
export function enqueueReason<T extends KubeObject>(event: InformerEvent<T>): EnqueueReason | undefined {
  switch (event.type) {
    case "added":
      return "Added";
    case "deleted":
      return "Deleted";
    case "updated":
      return UPDATE_PREDICATES.map((p) => p(event.old, event.object)).find((r) => r !== undefined);
  }
}
