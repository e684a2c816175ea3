// kubectl onload pause / resume: set or remove the pause annotation on the Onload resource.
import { pauseAnnotation } from '../../hooks/src/contract.ts';
import type { OnloadView } from '../../hooks/src/kube/port.ts';
import { rerunUpgrade, resumeCommandLine } from '../hints.ts';
import { findOnload, releaseFlag } from '../release.ts';
import { Failure, type Command, type CommandContext } from './command.ts';

/** Pure: the annotation change that pauses (true) or resumes (false); undefined when already so. */
export function pauseChange(
  onload: OnloadView,
  paused: boolean,
): Readonly<Record<string, string | null>> | undefined {
  const now = onload.annotations[pauseAnnotation] === 'true';
  if (now === paused) return undefined;
  return { [pauseAnnotation]: paused ? 'true' : null };
}

/** Pure: what the user reads after the change (or after finding nothing to change). */
export function pauseMessage(
  onload: OnloadView,
  namespace: string,
  paused: boolean,
  changed: boolean,
): string {
  const what = `Onload ${onload.name} in namespace ${namespace}`;
  if (paused)
    return [
      changed ? `${what}: rollout paused (${pauseAnnotation}=true).` : `${what} is already paused.`,
      'A running rollout finishes the nodes in progress, starts no other and ends successfully ("paused, N node(s) left"); nodes keep serving.',
      `Resume: ${resumeCommandLine(onload, namespace)}, then ${rerunUpgrade(onload, namespace)}.`,
    ].join('\n');
  return [
    changed ? `${what}: pause annotation removed.` : `${what} is not paused.`,
    `Nothing moves until the hooks run again: ${rerunUpgrade(onload, namespace)}.`,
  ].join('\n');
}

async function setPaused(ctx: CommandContext, paused: boolean): Promise<void> {
  const session = ctx.session();
  const onload = await findOnload(session, ctx.flags);
  const change = pauseChange(onload, paused);
  if (
    change &&
    !(await session.port.patchOnloadAnnotations(session.namespace, onload.name, change))
  )
    throw new Failure(`Onload ${onload.name} disappeared from namespace ${session.namespace}`);
  ctx.out(pauseMessage(onload, session.namespace, paused, change !== undefined));
}

export const pauseCommand: Command = {
  name: 'pause',
  summary: 'Pause the rollout between nodes (annotates the Onload resource)',
  details: [
    `Sets ${pauseAnnotation}=true on the Onload resource. The post hook finishes the nodes in progress, starts no other and ends successfully.`,
  ],
  flags: [releaseFlag],
  examples: ['kubectl onload pause -n onload'],
  run: (ctx) => setPaused(ctx, true),
};

export const resumeCommand: Command = {
  name: 'resume',
  summary: 'Remove the pause; the next helm upgrade carries on',
  details: [
    `Removes ${pauseAnnotation} from the Onload resource. The rollout carries on when the hooks run again: run the same helm upgrade again, or let Argo CD sync.`,
  ],
  flags: [releaseFlag],
  examples: ['kubectl onload resume -n onload'],
  run: (ctx) => setPaused(ctx, false),
};
