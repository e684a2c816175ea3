// The next steps the commands print, worded once. Pure.
import type { OnloadView } from '../hooks/src/kube/port.ts';
import { program } from './args.ts';

/** Helm records the release on every object it manages. */
const helmReleaseAnnotation = 'meta.helm.sh/release-name';

/** The chart README's resume: the hooks act only when Helm (or Argo CD) runs them again. */
export function rerunUpgrade(onload: OnloadView, namespace: string): string {
  const release = onload.annotations[helmReleaseAnnotation] ?? '<release>';
  return `run the same helm upgrade again (e.g. "helm upgrade ${release} <chart> -n ${namespace} --reuse-values"), or let Argo CD sync`;
}

export function resumeCommandLine(onload: OnloadView, namespace: string): string {
  return `${program} resume -n ${namespace} -r ${onload.name}`;
}
