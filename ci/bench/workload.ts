// The bench's consumers: one Deployment with a pod on every node (hard topology spread), each
// requesting amd.com/onload and draining for its whole termination grace on the test bed, and a
// PodDisruptionBudget loose enough not to bind at the bench's concurrency. Pure manifests.
import { onloadResource } from '../../hooks/src/contract.ts';

export const workloadNamespace = 'bench-trading';
export const workloadName = 'engine';
/** Test-bed hint: such pods disappear when their grace period ends (ci/testbed/stages). */
export const drainsForGrace = { 'testbed.onload.amd.com/termination': 'grace-period' };

export interface WorkloadOptions {
  readonly replicas: number;
  readonly graceSeconds: number;
  /** The most nodes the bench upgrades at once: the budget allows twice that. */
  readonly maxConcurrency: number;
}

export function benchWorkload(o: WorkloadOptions): Record<string, unknown>[] {
  const labels = { app: workloadName, 'app.kubernetes.io/part-of': 'onload-bench' };
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: workloadNamespace } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: workloadName, namespace: workloadNamespace, labels },
      spec: {
        replicas: o.replicas,
        selector: { matchLabels: { app: workloadName } },
        // Replacing all pods at once on a spec change; the rollout never changes the spec.
        strategy: { type: 'Recreate' },
        template: {
          metadata: { labels, annotations: drainsForGrace },
          spec: {
            terminationGracePeriodSeconds: o.graceSeconds,
            // One pod per node; an evicted pod waits (Pending) until its node serves again.
            topologySpreadConstraints: [
              {
                maxSkew: 1,
                topologyKey: 'kubernetes.io/hostname',
                whenUnsatisfiable: 'DoNotSchedule',
                labelSelector: { matchLabels: { app: workloadName } },
              },
            ],
            containers: [
              {
                name: 'engine',
                image: 'registry.example.com/trading/engine:1.0',
                resources: {
                  requests: { [onloadResource]: '1' },
                  limits: { [onloadResource]: '1' },
                },
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: workloadName, namespace: workloadNamespace },
      spec: {
        maxUnavailable: Math.max(2, 2 * o.maxConcurrency),
        selector: { matchLabels: { app: workloadName } },
      },
    },
  ];
}
