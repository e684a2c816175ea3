// Which Onload resource (the chart's <fullname>) a command acts on: the only one in the
// namespace, or the one -r/--release names.
import type { OnloadView } from '../hooks/src/kube/port.ts';
import { program, stringFlag, UsageError, type FlagSpec, type FlagValues } from './args.ts';
import { Failure, type Session } from './commands/command.ts';

export const releaseFlag: FlagSpec = {
  long: 'release',
  short: 'r',
  value: { name: 'name' },
  help: 'the Onload resource (the chart\'s <fullname>, "kubectl get onload -n <ns>") when the namespace has several',
};

/** Pure: the Onload to act on, or why there is none. */
export function chooseOnload(
  onloads: readonly OnloadView[],
  namespace: string,
  name: string | undefined,
): OnloadView {
  const names = onloads.map((o) => o.name).sort();
  if (name !== undefined) {
    const found = onloads.find((o) => o.name === name);
    if (found) return found;
    throw new Failure(
      `no Onload "${name}" in namespace "${namespace}" (flag -r/--release): ` +
        (names.length > 0
          ? `it has ${names.join(', ')}; pass one of them`
          : 'it has none; pass -n/--namespace with the release namespace'),
    );
  }
  const [only, ...others] = onloads;
  if (only && others.length === 0) return only;
  if (only)
    throw new UsageError(
      `namespace "${namespace}" has ${names.length} Onload resources (${names.join(', ')}): pick one with -r/--release <name>`,
    );
  throw new Failure(
    `no Onload resource in namespace "${namespace}": pass -n/--namespace with the chart's release namespace (e.g. ${program} status -n onload)`,
  );
}

export async function findOnload(session: Session, flags: FlagValues): Promise<OnloadView> {
  const onloads = await session.port.listOnloads(session.namespace);
  return chooseOnload(onloads, session.namespace, stringFlag(flags, 'release'));
}
