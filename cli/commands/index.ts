// Every subcommand, in the order --help lists them. A new command is a module exporting a
// Command, added here.
import type { Command } from './command.ts';
import { debugCommand } from './debug.ts';
import { firmwareCommand } from './firmware.ts';
import { pauseCommand, resumeCommand } from './pause.ts';
import { skipCommand, unskipCommand } from './skip.ts';
import { statusCommand } from './status.ts';
import { supportBundleCommand } from './support-bundle.ts';
import { versionCommand } from './version.ts';

export const commands: readonly Command[] = [
  statusCommand,
  pauseCommand,
  resumeCommand,
  skipCommand,
  unskipCommand,
  debugCommand,
  supportBundleCommand,
  firmwareCommand,
  versionCommand,
];
