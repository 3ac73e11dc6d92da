import type { EmulatorClock } from "../clock.js";
import type { Timing } from "../timing.js";
import type { LocalExecutor } from "../execution/local-executor.js";

/**
 * A typed slot in an account's store. Each resource area defines its own slot (pools here; jobs and tasks
 * in their own modules), so areas add state without editing this file. `create` runs lazily, once per
 * account, and again after a reset.
 */
export interface StoreSlot<T> {
  readonly name: string;
  readonly create: (account: AccountStore) => T;
  /** Called on reset/close, e.g. to cancel timers; the slot is then recreated on next use. */
  readonly dispose?: (value: T) => void;
}

export function defineSlot<T>(name: string, create: (account: AccountStore) => T, dispose?: (value: T) => void): StoreSlot<T> {
  return dispose === undefined ? { name, create } : { name, create, dispose };
}

/** Everything one Batch account holds. Handlers reach it as `ctx.store`. */
export class AccountStore {
  private readonly slots = new Map<StoreSlot<unknown>, unknown>();
  /** Set with `--location` before any slot is created: jobs note which tasks changed for the journal. */
  tracksChanges = false;

  constructor(
    readonly accountName: string,
    readonly clock: EmulatorClock,
    readonly timing: Timing,
    /** Set with `--execute local`: start tasks and tasks run as local processes. */
    readonly executor?: LocalExecutor,
  ) {}

  slot<T>(slot: StoreSlot<T>): T {
    if (this.slots.has(slot as StoreSlot<unknown>)) return this.slots.get(slot as StoreSlot<unknown>) as T;
    const value = slot.create(this);
    this.slots.set(slot as StoreSlot<unknown>, value);
    return value;
  }

  /** Drops all state of this account. */
  reset(): void {
    for (const [slot, value] of this.slots) slot.dispose?.(value);
    this.slots.clear();
  }
}

/** All accounts of one emulator instance. */
export class EmulatorState {
  private readonly accounts = new Map<string, AccountStore>();

  constructor(
    accountNames: readonly string[],
    readonly clock: EmulatorClock,
    readonly timing: Timing,
    readonly executor?: LocalExecutor,
  ) {
    for (const name of accountNames) this.accounts.set(name.toLowerCase(), new AccountStore(name, clock, timing, executor));
  }

  /** The store of `accountName` (case-insensitive), or undefined for an unknown account. */
  account(accountName: string): AccountStore | undefined {
    return this.accounts.get(accountName.toLowerCase());
  }

  /** Every account's store, in configuration order. */
  all(): AccountStore[] {
    return [...this.accounts.values()];
  }

  /** The first configured account (the one bearer-token requests address). */
  get defaultAccount(): AccountStore {
    const first = this.accounts.values().next().value;
    if (first === undefined) throw new Error("the emulator has no account");
    return first;
  }

  reset(): void {
    this.executor?.killAll();
    this.clock.clear();
    for (const account of this.accounts.values()) account.reset();
  }
}
