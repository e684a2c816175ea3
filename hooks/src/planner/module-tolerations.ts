// KMM < 2.3 has no Module tolerations: a cordon or a NoSchedule/NoExecute taint on a node makes KMM
// unload Onload there, whatever the chart's moduleTolerations say. The pre hook warns, naming the fix.
import { kmmModuleApi } from '../contract.ts';
import type { ModuleCrdView } from '../kube/port.ts';

/** Whether the Module version the chart applies is served with spec.tolerations (KMM >= 2.3). */
export function servesModuleTolerations(crd: ModuleCrdView): boolean {
  return crd.versions.some(
    (v) => v.name === kmmModuleApi.version && v.served && v.specFields.includes('tolerations'),
  );
}

/** The warning for a cluster whose Module CRD has no tolerations; undefined otherwise. */
export function moduleTolerationsWarning(crd: ModuleCrdView | undefined): string | undefined {
  if (crd === undefined || servesModuleTolerations(crd)) return undefined;
  return (
    `KMM < 2.3: a cordon or untolerated taint unloads Onload on that node (the Module CRD ${kmmModuleApi.crd} has no spec.tolerations; ` +
    'KMM 2.2 unloads at the next change of the node labels or of the Modules, e.g. the next upgrade), and its device plugin and control plane leave it. ' +
    'Upgrade KMM to 2.3 or later: the Modules then tolerate a cordon and NotReady nodes (moduleTolerations). Until then, move workloads off a node before cordoning or tainting it.'
  );
}

export const moduleCrdForbiddenWarning =
  `cannot read the CustomResourceDefinition ${kmmModuleApi.crd} (forbidden): ` +
  'not checked whether KMM is older than 2.3, where a cordon or untolerated taint unloads Onload';
