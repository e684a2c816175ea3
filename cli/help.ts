// Help texts, from the commands' own descriptions. Pure.
import { alignColumns } from '../hooks/src/view/node-table.ts';
import { commandUsage, globalFlags, program, type CommandSpec, type FlagSpec } from './args.ts';

/** What a command's --help shows beyond its flags. */
export interface CommandHelp extends CommandSpec {
  /** Paragraphs after the summary. */
  readonly details?: readonly string[];
  readonly examples?: readonly string[];
}

function flagLines(flags: readonly FlagSpec[]): string[] {
  return alignColumns(
    flags.map((f) => {
      const names = f.short !== undefined ? `-${f.short}, --${f.long}` : `    --${f.long}`;
      const value = f.value ? ` ${f.value.choices ? f.value.choices.join('|') : f.value.name}` : '';
      return [`  ${names}${value}`, f.help];
    }),
  );
}

export function rootHelp(commands: readonly CommandHelp[]): string {
  const list = alignColumns(
    commands.map((c) => [
      `  ${c.name}${(c.args ?? []).map((a) => ` <${a.name}>`).join('')}`,
      c.summary,
    ]),
  );
  return [
    `${program}: operate the Onload Helm chart's ordered driver rollouts.`,
    '',
    'Usage:',
    `  ${program} <command> [flags]`,
    '',
    'Commands:',
    ...list,
    '',
    'Flags of every command:',
    ...flagLines(globalFlags),
    '',
    `"${program} <command> --help" shows a command's flags and examples.`,
    '',
  ].join('\n');
}

export function commandHelp(command: CommandHelp): string {
  const own = command.flags ?? [];
  return [
    command.summary,
    ...(command.details ?? []).flatMap((p) => ['', p]),
    '',
    'Usage:',
    `  ${commandUsage(command)}`,
    ...((command.args ?? []).length > 0
      ? [
          '',
          'Arguments:',
          ...alignColumns((command.args ?? []).map((a) => [`  <${a.name}>`, a.help])),
        ]
      : []),
    ...(own.length > 0 ? ['', 'Flags:', ...flagLines(own)] : []),
    '',
    'Flags of every command:',
    ...flagLines(globalFlags),
    ...((command.examples ?? []).length > 0
      ? ['', 'Examples:', ...(command.examples ?? []).map((e) => `  ${e}`)]
      : []),
    '',
  ].join('\n');
}
