// What every subcommand is: its help (name, arguments, flags, examples) and what it runs.
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubePort } from '../../hooks/src/kube/port.ts';
import type { DebugPodPort } from '../debug/port.ts';
import type { FirmwareJobPort } from '../firmware/job-port.ts';
import type { FlagValues } from '../args.ts';
import type { CommandHelp } from '../help.ts';

/** The cluster a command talks to, connected on first use. */
export interface Session {
  readonly port: KubePort;
  /** The kubeconfig and context in use (for readers beyond the port, e.g. the support bundle). */
  readonly kubeConfig: KubeConfig;
  /** The troubleshooting pods' port; default one over kubeConfig (tests give one in memory). */
  readonly debugPods?: DebugPodPort;
  /** The firmware Jobs' port; default one over kubeConfig. */
  readonly firmwareJobs?: FirmwareJobPort;
  /** The release namespace: -n/--namespace, else the context's, else "default". */
  readonly namespace: string;
}

export interface CommandContext {
  readonly flags: FlagValues;
  readonly args: readonly string[];
  /** Throws UsageError for a kubeconfig or context that cannot be used. */
  readonly session: () => Session;
  /** Writes to standard output (a line break is added). */
  readonly out: (text: string) => void;
  readonly now: () => number;
}

export interface Command extends CommandHelp {
  /** Resolves when done (exit 0); throws Failure (exit 1) or UsageError (exit 2). */
  run(ctx: CommandContext): Promise<void>;
}

/** The operation could not be done as asked; the message says why and what to do (exit 1). */
export class Failure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Failure';
  }
}
