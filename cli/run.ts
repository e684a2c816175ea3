// Runs one command line: parse, show help or run the command, turn the outcome into the exit
// code (0 done, 1 failed or the cluster could not be reached, 2 usage error).
import { describeFailure } from '../hooks/src/kube/errors.ts';
import { parseArgs, program, UsageError, type FlagValues } from './args.ts';
import { Failure, type Command, type Session } from './commands/command.ts';
import { commandHelp, rootHelp } from './help.ts';

export const exitCodes = { ok: 0, failed: 1, usage: 2 } as const;

export interface RunIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Connects as the global flags say (called at most once, when a command needs the cluster). */
  readonly session: (flags: FlagValues) => Session;
  readonly now: () => number;
}

export async function runCli(
  argv: readonly string[],
  commands: readonly Command[],
  io: RunIo,
): Promise<number> {
  try {
    const parsed = parseArgs(argv, commands);
    if (parsed.kind === 'help') {
      io.out(parsed.command ? commandHelp(parsed.command) : rootHelp(commands));
      return exitCodes.ok;
    }
    let session: Session | undefined;
    await parsed.command.run({
      flags: parsed.flags,
      args: parsed.args,
      session: () => (session ??= io.session(parsed.flags)),
      out: io.out,
      now: io.now,
    });
    return exitCodes.ok;
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`error: ${error.message}`);
      return exitCodes.usage;
    }
    io.err(`error: ${error instanceof Failure ? error.message : explain(error)}`);
    return exitCodes.failed;
  }
}

function explain(error: unknown): string {
  if (error instanceof Error && error.name === 'KubeError') return error.message;
  const f = describeFailure(error);
  return `${f.message}${f.status === undefined ? ` (is the cluster reachable? "${program} --help" lists --kubeconfig and --context)` : ''}`;
}
