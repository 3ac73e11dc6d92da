/**
 * Secret values the controller has read, so text leaving the process (events, status messages,
 * errors) can be scrubbed even if a value slipped into a Batch error message or similar.
 * Values are held only in memory and never printed.
 */
export class SecretValues {
  readonly #values = new Set<string>();

  /** Remembers a value to scrub. Very short values are ignored: replacing them would mangle ordinary text. */
  add(value: string): void {
    if (value.length >= 4) {
      this.#values.add(value);
    }
  }

  /** Replaces every remembered value in `text` with `[redacted]`. */
  redact(text: string): string {
    let result = text;
    for (const value of this.#values) {
      if (result.includes(value)) {
        result = result.split(value).join("[redacted]");
      }
    }
    return result;
  }
}
