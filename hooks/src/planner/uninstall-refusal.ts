// What a refused uninstall leaves in Helm and how to get out of it. Helm stores the release as
// "uninstalling" before it runs the pre-delete hook and leaves it so when the hook fails; a hook
// cannot undo that. `helm upgrade` then fails ("has no deployed releases": it accepts only a
// deployed, failed or superseded last revision), `helm rollback` accepts any revision in the
// history, and `helm uninstall` runs again on an "uninstalling" release.
import type { Policy } from './policy.ts';

export function helmRecovery(policy: Pick<Policy, 'release' | 'namespace'>): string {
  const { release, namespace } = policy;
  return `Helm now lists release ${release} as uninstalling, and helm upgrade fails with "has no deployed releases" until you either keep the release with helm rollback ${release} <revision> -n ${namespace} (<revision>: the one helm history ${release} -n ${namespace} shows as uninstalling) or run helm uninstall ${release} -n ${namespace} again once those pods are gone.`;
}

export function restoredNote(nodes: number): string {
  return nodes > 0 ? `; the device plugin returns to ${nodes} node(s)` : '';
}
