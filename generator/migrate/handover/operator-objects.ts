// What the Go Onload Operator v3.0 has created for an Onload CR `<cr>` in `<ns>` once it runs:
// the CR, its Modules `<cr>-module` / `<cr>-sfcmod` and DaemonSet `<cr>-onload-device-plugin-ds`
// owned by the CR, with the operator's labels and fields. For the handover's cluster test.
import { operatorNames } from './names.ts';

export interface OperatorSetup {
  readonly namespace: string;
  readonly cr: string;
  readonly version: string;
  readonly selector: Readonly<Record<string, string>>;
  readonly kernelModuleImage: string;
  readonly userImage: string;
}

const serviceAccount = 'onload-operator-sa';

function baseLabels(s: OperatorSetup, component: string): Record<string, string> {
  return {
    'app.kubernetes.io/managed-by': 'onload-operator',
    'app.kubernetes.io/part-of': 'onload',
    'app.kubernetes.io/instance': `onload-${s.namespace}-${s.cr}`,
    'app.kubernetes.io/component': component,
  };
}

export function operatorCr(s: OperatorSetup): Record<string, unknown> {
  return {
    apiVersion: 'onload.amd.com/v1alpha1',
    kind: 'Onload',
    metadata: { name: s.cr, namespace: s.namespace },
    spec: {
      onload: {
        version: s.version,
        userImage: s.userImage,
        kernelMappings: [
          { regexp: '^.*\\.x86_64$', kernelModuleImage: s.kernelModuleImage, sfc: {} },
        ],
      },
      devicePlugin: {},
      selector: s.selector,
      serviceAccountName: serviceAccount,
    },
  };
}

/** The owned objects; `uid` is the CR's. */
export function operatorOwned(s: OperatorSetup, uid: string): Record<string, unknown>[] {
  const names = operatorNames(s.namespace, s.cr);
  const ownerReferences = [
    {
      apiVersion: 'onload.amd.com/v1alpha1',
      kind: 'Onload',
      name: s.cr,
      uid,
      controller: true,
      blockOwnerDeletion: true,
    },
  ];
  const module = (name: string, moduleName: string, inTree: string): Record<string, unknown> => ({
    apiVersion: 'kmm.sigs.x-k8s.io/v1beta1',
    kind: 'Module',
    metadata: { name, namespace: s.namespace, labels: baseLabels(s, 'module'), ownerReferences },
    spec: {
      selector: s.selector,
      moduleLoader: {
        serviceAccountName: serviceAccount,
        container: {
          modprobe: { moduleName, parameters: ['--first-time'] },
          ...(inTree ? { inTreeModuleToRemove: inTree } : {}),
          version: s.version,
          kernelMappings: [{ regexp: '^.*\\.x86_64$', containerImage: s.kernelModuleImage }],
        },
      },
    },
  });
  const podLabels = { ...baseLabels(s, 'device-plugin'), [names.podNameLabel]: names.daemonSet };
  return [
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: serviceAccount, namespace: s.namespace },
    },
    module(names.onloadModule, 'onload', ''),
    module(names.sfcModule, 'sfc', 'sfc'),
    {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: {
        name: names.daemonSet,
        namespace: s.namespace,
        labels: { ...baseLabels(s, 'device-plugin'), 'onload.amd.com/version': s.version },
        ownerReferences,
      },
      spec: {
        selector: { matchLabels: podLabels },
        updateStrategy: { type: 'OnDelete' },
        template: {
          metadata: { labels: podLabels },
          spec: {
            serviceAccountName: serviceAccount,
            nodeSelector: s.selector,
            hostNetwork: true,
            hostPID: true,
            hostIPC: true,
            affinity: {
              nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                  nodeSelectorTerms: [
                    { matchExpressions: [{ key: names.gateLabel, operator: 'Exists' }] },
                  ],
                },
              },
            },
            initContainers: [
              { name: 'init', image: s.userImage, securityContext: { privileged: true } },
            ],
            containers: [
              {
                name: 'device-plugin',
                image: 'docker.io/onload/onload-device-plugin:3.0.0',
                securityContext: { privileged: true },
              },
              {
                name: 'onload-worker',
                image: 'docker.io/onload/onload-device-plugin:3.0.0',
                command: ['onload-worker'],
                securityContext: { privileged: true },
              },
            ],
          },
        },
      },
    },
  ];
}
