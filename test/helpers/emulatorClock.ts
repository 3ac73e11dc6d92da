/**
 * The emulator's clock as the controller's Clock, so one virtual time drives both Batch (node
 * boot, task runs, resize timeouts) and the engine (polls, resync, backoff): `emulator.clock.advance(ms)`
 * then moves both. The two share no code; this bridge lives in the tests only.
 */
import type { Clock } from "../../controller/time/clock.js";
import type { EmulatorClock } from "../../emulator/index.js";

export function controllerClockOf(clock: EmulatorClock): Clock {
  return {
    now: () => clock.now(),
    setTimeout: (callback, delayMs) => {
      const handle = clock.schedule(delayMs, callback);
      return { cancel: () => clock.cancel(handle) };
    },
  };
}
