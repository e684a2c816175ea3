// Command-line parsing for kubectl-onload, kubectl style: global flags before or after the
// command, `--flag value`, `--flag=value`, `-n value`, `-nvalue`, `--` ends the flags. Pure.

export interface FlagSpec {
  /** The long name, without dashes. */
  readonly long: string;
  readonly short?: string;
  /** Absent for a boolean flag. */
  readonly value?: { readonly name: string; readonly choices?: readonly string[] };
  readonly help: string;
}

export interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  /** Positional arguments, in order; required unless `optional` (only the last ones may be). */
  readonly args?: readonly {
    readonly name: string;
    readonly help: string;
    readonly optional?: boolean;
  }[];
  readonly flags?: readonly FlagSpec[];
}

export type FlagValues = Readonly<Record<string, string | true>>;

export type Parsed<C extends CommandSpec> =
  | { readonly kind: 'help'; readonly command?: C }
  | {
      readonly kind: 'run';
      readonly command: C;
      readonly flags: FlagValues;
      readonly args: readonly string[];
    };

/** A mistake on the command line; the message names it and how to fix it (exit code 2). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const program = 'kubectl onload';

export const helpFlag: FlagSpec = { long: 'help', short: 'h', help: 'show this help' };

export const globalFlags: readonly FlagSpec[] = [
  {
    long: 'kubeconfig',
    value: { name: 'file' },
    help: 'the kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)',
  },
  { long: 'context', value: { name: 'name' }, help: 'the kubeconfig context to use' },
  {
    long: 'namespace',
    short: 'n',
    value: { name: 'namespace' },
    help: 'the release namespace (default: the context\'s namespace, else "default")',
  },
  helpFlag,
];

/** "-n/--namespace" or "--kubeconfig". */
export function flagName(flag: FlagSpec): string {
  return flag.short !== undefined ? `-${flag.short}/--${flag.long}` : `--${flag.long}`;
}

function flagUsage(flag: FlagSpec): string {
  const choices = flag.value?.choices;
  if (choices) return `${flagName(flag)} ${choices.join('|')}`;
  return flag.value ? `${flagName(flag)} <${flag.value.name}>` : flagName(flag);
}

export function commandUsage(command: CommandSpec): string {
  const args = (command.args ?? [])
    .map((a) => (a.optional ? ` [<${a.name}>]` : ` <${a.name}>`))
    .join('');
  return `${program} ${command.name}${args} [flags]`;
}

function helpHint(command: CommandSpec | undefined): string {
  return command ? `"${program} ${command.name} --help"` : `"${program} --help"`;
}

class Reader<C extends CommandSpec> {
  private readonly argv: readonly string[];
  private readonly commands: readonly C[];
  private i = 0;
  command: C | undefined;
  readonly flags: Record<string, string | true> = {};
  readonly args: string[] = [];

  constructor(argv: readonly string[], commands: readonly C[]) {
    this.argv = argv;
    this.commands = commands;
  }

  read(): void {
    let flagsEnded = false;
    for (; this.i < this.argv.length; this.i++) {
      const token = this.argv[this.i] ?? '';
      if (!flagsEnded && token === '--') flagsEnded = true;
      else if (!flagsEnded && token.startsWith('-') && token !== '-') this.flag(token);
      else if (this.command === undefined) this.command = this.findCommand(token);
      else this.args.push(token);
    }
  }

  private findCommand(name: string): C {
    const found = this.commands.find((c) => c.name === name);
    if (found) return found;
    throw new UsageError(
      `unknown command "${name}": the commands are ${this.commands.map((c) => c.name).join(', ')} (see "${program} --help")`,
    );
  }

  private known(): readonly FlagSpec[] {
    return [...globalFlags, ...(this.command?.flags ?? [])];
  }

  private flag(token: string): void {
    const long = token.startsWith('--');
    const body = token.slice(long ? 2 : 1);
    const eq = body.indexOf('=');
    let name = eq >= 0 ? body.slice(0, eq) : body;
    let inline = eq >= 0 ? body.slice(eq + 1) : undefined;
    if (!long && name.length > 1) {
      inline = body.slice(1);
      name = body.slice(0, 1);
    }
    const spec = this.known().find((f) => (long ? f.long === name : f.short === name));
    if (!spec) {
      const where = this.command ? ` for ${this.command.name}` : '';
      throw new UsageError(
        `unknown flag ${long ? '--' : '-'}${name}${where}: ${helpHint(this.command)} lists the flags`,
      );
    }
    if (Object.hasOwn(this.flags, spec.long))
      throw new UsageError(`flag ${flagName(spec)} is given twice: give it once`);
    this.flags[spec.long] = this.value(spec, inline);
  }

  private value(spec: FlagSpec, inline: string | undefined): string | true {
    if (!spec.value) {
      if (inline !== undefined)
        throw new UsageError(
          `flag ${flagName(spec)} takes no value: write ${flagName(spec)} alone`,
        );
      return true;
    }
    let value = inline;
    if (value === undefined) {
      const next = this.argv[this.i + 1];
      if (next === undefined || (next.startsWith('-') && next !== '-'))
        throw new UsageError(`flag ${flagName(spec)} needs a value: ${flagUsage(spec)}`);
      value = next;
      this.i++;
    }
    if (value === '')
      throw new UsageError(`flag ${flagName(spec)} needs a non-empty value: ${flagUsage(spec)}`);
    const choices = spec.value.choices;
    if (choices && !choices.includes(value))
      throw new UsageError(
        `flag ${flagName(spec)}: "${value}" is not one of ${choices.join(', ')}: ${flagUsage(spec)}`,
      );
    return value;
  }
}

/** Reads argv (without the program name); throws UsageError naming the mistake and its fix. */
export function parseArgs<C extends CommandSpec>(
  argv: readonly string[],
  commands: readonly C[],
): Parsed<C> {
  const r = new Reader(argv, commands);
  r.read();
  const { command, flags, args } = r;
  if (flags.help === true || command === undefined)
    return command ? { kind: 'help', command } : { kind: 'help' };
  const wanted = command.args ?? [];
  const missing = wanted[args.length];
  if (missing && !missing.optional)
    throw new UsageError(
      `${command.name} needs <${missing.name}> (${missing.help}): ${commandUsage(command)}`,
    );
  const extra = args[wanted.length];
  if (extra !== undefined)
    throw new UsageError(
      `unexpected argument "${extra}" for ${command.name}: ${commandUsage(command)}`,
    );
  return { kind: 'run', command, flags, args };
}

/** A string flag's value (undefined when not given). */
export function stringFlag(flags: FlagValues, long: string): string | undefined {
  const v = flags[long];
  return typeof v === 'string' ? v : undefined;
}
