import type { Command } from "../command.js";
import { validateCommand } from "./validate.js";
import { statusCommand } from "./status.js";
import { emulatorCommand } from "./emulator.js";
import { planCommand } from "./plan.js";
import { logsCommand } from "./logs.js";
import { createRunCommand } from "./run.js";
import { createCompletionCommand } from "./completion.js";
import { getCommand } from "./get.js";
import { diffCommand } from "./diff.js";
import { resumeCommand, suspendCommand } from "./suspend.js";
import { reconcileCommand } from "./reconcile.js";
import { eventsCommand } from "./events.js";
import { applyCommand } from "./apply.js";
import { exportCommand } from "./export.js";
import { createMultiAccountController } from "../../runtime/accounts.js";

/** Every CLI command, in the order `--help` lists them. Add a command by importing it here. */
export const commands: readonly Command[] = [
  createRunCommand(createMultiAccountController),
  validateCommand,
  planCommand,
  applyCommand,
  diffCommand,
  statusCommand,
  getCommand,
  suspendCommand,
  resumeCommand,
  reconcileCommand,
  eventsCommand,
  logsCommand,
  exportCommand,
  emulatorCommand,
  createCompletionCommand(() => commands),
];
