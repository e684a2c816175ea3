import { describe, expect, it } from '@jest/globals';
import { parseArgs, UsageError, type CommandSpec } from './args.ts';

const commands: readonly CommandSpec[] = [
  {
    name: 'status',
    summary: 's',
    flags: [
      {
        long: 'output',
        short: 'o',
        value: { name: 'format', choices: ['json', 'yaml', 'wide'] },
        help: '',
      },
      { long: 'release', short: 'r', value: { name: 'name' }, help: '' },
    ],
  },
  { name: 'skip', summary: 'k', args: [{ name: 'node', help: 'the name of the Node' }] },
];

function usageError(argv: readonly string[]): string {
  try {
    parseArgs(argv, commands);
  } catch (e) {
    if (e instanceof UsageError) return e.message;
    throw e;
  }
  throw new Error(`no usage error for ${argv.join(' ')}`);
}

describe('parseArgs', () => {
  it('takes global flags before and after the command, in every kubectl spelling', () => {
    for (const argv of [
      ['-n', 'onload', 'status', '-o', 'wide'],
      ['status', '--namespace=onload', '--output', 'wide'],
      ['--namespace', 'onload', 'status', '-owide'],
      ['status', '-n=onload', '-o=wide'],
    ])
      expect(parseArgs(argv, commands)).toEqual({
        kind: 'run',
        command: commands[0],
        flags: { namespace: 'onload', output: 'wide' },
        args: [],
      });
    expect(
      parseArgs(['--kubeconfig', 'kc', '--context', 'prod', 'skip', 'worker-07'], commands),
    ).toEqual({
      kind: 'run',
      command: commands[1],
      flags: { kubeconfig: 'kc', context: 'prod' },
      args: ['worker-07'],
    });
  });

  it('reads everything after -- as arguments', () => {
    expect(parseArgs(['skip', '--', '-odd-node-'], commands)).toMatchObject({
      kind: 'run',
      args: ['-odd-node-'],
    });
  });

  it('answers help without a command, with -h/--help, even without the arguments a command needs', () => {
    expect(parseArgs([], commands)).toEqual({ kind: 'help' });
    expect(parseArgs(['--help'], commands)).toEqual({ kind: 'help' });
    expect(parseArgs(['skip', '-h'], commands)).toEqual({ kind: 'help', command: commands[1] });
    expect(parseArgs(['-n', 'x', 'status', '--help'], commands)).toEqual({
      kind: 'help',
      command: commands[0],
    });
  });

  it('names the unknown flag and where its flags are listed', () => {
    expect(usageError(['status', '--outptu', 'json'])).toBe(
      'unknown flag --outptu for status: "kubectl onload status --help" lists the flags',
    );
    expect(usageError(['-x', 'status'])).toBe(
      'unknown flag -x: "kubectl onload --help" lists the flags',
    );
    // A command's own flag is unknown before the command is named.
    expect(usageError(['-o', 'json', 'status'])).toBe(
      'unknown flag -o: "kubectl onload --help" lists the flags',
    );
  });

  it('names a flag without its value and shows the value it takes', () => {
    expect(usageError(['status', '-n'])).toBe(
      'flag -n/--namespace needs a value: -n/--namespace <namespace>',
    );
    expect(usageError(['status', '--kubeconfig', '-o', 'json'])).toBe(
      'flag --kubeconfig needs a value: --kubeconfig <file>',
    );
    expect(usageError(['status', '--context='])).toBe(
      'flag --context needs a non-empty value: --context <name>',
    );
    expect(usageError(['status', '-o'])).toBe(
      'flag -o/--output needs a value: -o/--output json|yaml|wide',
    );
  });

  it('names a value a flag does not take and the values it does', () => {
    expect(usageError(['status', '-o', 'xml'])).toBe(
      'flag -o/--output: "xml" is not one of json, yaml, wide: -o/--output json|yaml|wide',
    );
    expect(usageError(['status', '--help=yes'])).toBe(
      'flag -h/--help takes no value: write -h/--help alone',
    );
  });

  it('refuses a flag given twice', () => {
    expect(usageError(['-n', 'a', 'status', '--namespace', 'b'])).toBe(
      'flag -n/--namespace is given twice: give it once',
    );
  });

  it('names an unknown command and the commands there are', () => {
    expect(usageError(['stauts'])).toBe(
      'unknown command "stauts": the commands are status, skip (see "kubectl onload --help")',
    );
  });

  it("names a missing or an extra argument with the command's usage", () => {
    expect(usageError(['skip'])).toBe(
      'skip needs <node> (the name of the Node): kubectl onload skip <node> [flags]',
    );
    expect(usageError(['skip', 'a', 'b'])).toBe(
      'unexpected argument "b" for skip: kubectl onload skip <node> [flags]',
    );
    expect(usageError(['status', 'now'])).toBe(
      'unexpected argument "now" for status: kubectl onload status [flags]',
    );
  });
});
