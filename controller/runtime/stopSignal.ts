import { setMaxListeners } from "node:events";

/**
 * How many listeners a mode's stop signal may have before Node warns of a leak. Every long-lived part of
 * a run listens to it once: the source and each of its watches, the secret resolver, and per Batch account
 * an engine's work queue and its adapter. Their number grows with accounts and watched kinds (11 with
 * three accounts in cluster mode), past Node's default of 10, whose "possible memory leak" warning would
 * then be a false alarm on every start. Requests do not listen to it one by one (batchAdapter.ts follows a
 * caller's signal with a single listener), so a real leak would still pass this bound and be reported.
 */
export const STOP_SIGNAL_MAX_LISTENERS = 1_000;

/** The signal an engine runs under, allowed one listener per long-lived part (see above). */
export function engineStopSignal(signal: AbortSignal): AbortSignal {
  setMaxListeners(STOP_SIGNAL_MAX_LISTENERS, signal);
  return signal;
}
