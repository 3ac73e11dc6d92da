import type { Command } from "../command.js";
import { validateCommand } from "./validate.js";
import { statusCommand } from "./status.js";

/** Every CLI command, in the order `--help` lists them. Add a command by importing it here. */
export const commands: readonly Command[] = [validateCommand, statusCommand];
