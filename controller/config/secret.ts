import { inspect } from "node:util";

/**
 * A secret value (account key, webhook token) that cannot leak by accident: JSON, string
 * conversion and util.inspect (which pino and console use) all print "[redacted]".
 * Only `reveal()` returns the value, so every real use is greppable.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return "[redacted]";
  }

  toJSON(): string {
    return "[redacted]";
  }

  [inspect.custom](): string {
    return "[redacted]";
  }
}
