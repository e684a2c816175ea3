// Sample accelerated workloads: what a trading or HPC team runs on Onload nodes, with the
// PodDisruptionBudgets that make a driver rollout evict them carefully. Pure manifests.
import { onloadResource } from '../../hooks/src/contract.ts';

export const workloadNamespace = 'trading';

/** Test-bed hint: these pods drain until their grace period ends (ci/testbed/stages). */
const drainsUntilGracePeriod = { 'testbed.onload.amd.com/termination': 'grace-period' };

function container(
  name: string,
  resources: Record<string, Record<string, string>>,
): Record<string, unknown> {
  return { name, image: 'registry.example.com/trading/engine:1.0', resources };
}

export function sampleWorkloads(
  namespace = workloadNamespace,
  replicas = { trader: 3, pricer: 2 },
): Record<string, unknown>[] {
  const labels = (app: string): Record<string, string> => ({
    app,
    'app.kubernetes.io/part-of': 'trading',
  });
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'trader', namespace, labels: labels('trader') },
      spec: {
        replicas: replicas.trader,
        selector: { matchLabels: { app: 'trader' } },
        template: {
          metadata: { labels: labels('trader'), annotations: drainsUntilGracePeriod },
          spec: {
            terminationGracePeriodSeconds: 2,
            containers: [
              container('engine', {
                requests: { cpu: '1', [onloadResource]: '1' },
                limits: { [onloadResource]: '1' },
              }),
            ],
          },
        },
      },
    },
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'trader', namespace },
      spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'trader' } } },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'pricer', namespace, labels: labels('pricer') },
      spec: {
        replicas: replicas.pricer,
        serviceName: 'pricer',
        selector: { matchLabels: { app: 'pricer' } },
        template: {
          metadata: { labels: labels('pricer'), annotations: drainsUntilGracePeriod },
          spec: {
            terminationGracePeriodSeconds: 2,
            // Limits only: the API server copies them into requests for extended resources.
            containers: [container('pricer', { limits: { [onloadResource]: '1' } })],
          },
        },
      },
    },
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'pricer', namespace },
      spec: { minAvailable: 1, selector: { matchLabels: { app: 'pricer' } } },
    },
  ];
}
