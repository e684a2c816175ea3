// Names the Go Onload Operator (v3.0) gives its objects and node labels for one Onload CR, as it
// writes them: Modules `<cr>-module` / `<cr>-sfcmod`, DaemonSet `<cr>-onload-device-plugin-ds`
// gated on the node label `onload.amd.com/<ns>.<cr>`.
import { kmmReadyLabel, kmmVersionLabel } from '../../../hooks/src/contract.ts';

export interface OperatorNames {
  readonly onloadModule: string;
  readonly sfcModule: string;
  readonly daemonSet: string;
  /** Pod label of the operator's device plugin pods (value: daemonSet). */
  readonly podNameLabel: string;
  /** Node labels: the DaemonSet's gate and the two KMM version labels. */
  readonly gateLabel: string;
  readonly onloadVersionLabel: string;
  readonly sfcVersionLabel: string;
  /** KMM's "loaded" labels for the two Modules. */
  readonly onloadReadyLabel: string;
  readonly sfcReadyLabel: string;
}

export function operatorNames(namespace: string, cr: string): OperatorNames {
  const onloadModule = `${cr}-module`;
  const sfcModule = `${cr}-sfcmod`;
  return {
    onloadModule,
    sfcModule,
    daemonSet: `${cr}-onload-device-plugin-ds`,
    podNameLabel: 'onload.amd.com/name',
    gateLabel: `onload.amd.com/${namespace}.${cr}`,
    onloadVersionLabel: kmmVersionLabel(namespace, onloadModule),
    sfcVersionLabel: kmmVersionLabel(namespace, sfcModule),
    onloadReadyLabel: kmmReadyLabel(namespace, onloadModule),
    sfcReadyLabel: kmmReadyLabel(namespace, sfcModule),
  };
}

/** The Deployment the operator runs as (kustomize and OLM installs alike). */
export const operatorDeploymentName = 'onload-operator-controller-manager';
