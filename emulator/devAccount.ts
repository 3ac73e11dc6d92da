import type { Account } from "./http/authenticate.js";

/**
 * The well-known development account (CONTRIBUTING.md, emulator/README.md), like Azurite's devstoreaccount1.
 * In a module of its own so the CLI's usage text names it without loading the emulator.
 */
export const devAccount: Account = {
  name: "devbatchaccount1",
  key: "3xt/UZFfkwRzHaTv99/Ut8QlLn0yLt+FX0K0na9jgn6XdNwTZquQYAD8o5ITQToyBKc1zAvIw3LWtU4fkD0Z6Q==",
};
