// Carries out a handover plan, one step at a time, each waiting for the cluster to confirm it
// (KMM's ready labels, pods gone or Ready) before the next one starts.
import type { V1CustomResourceDefinition, V1Pod } from '@kubernetes/client-node';
import {
  components,
  kmmReadyLabel,
  kmmVersionLabel,
  moduleNames,
  userlandVersionLabel,
} from '../../../hooks/src/contract.ts';
import type { HandoverCluster } from './cluster.ts';
import type { ClusterState, NodeHandover, Step } from './plan.ts';

export interface RunOptions {
  readonly stepTimeoutMs: number;
  readonly pollMs: number;
  readonly chartCrd: V1CustomResourceDefinition;
  readonly log: (line: string) => void;
}

export class HandoverTimeout extends Error {}

async function until(
  what: string,
  options: RunOptions,
  check: () => Promise<string | undefined>,
): Promise<void> {
  const deadline = Date.now() + options.stepTimeoutMs;
  for (;;) {
    const waiting = await check();
    if (waiting === undefined) return;
    if (Date.now() > deadline)
      throw new HandoverTimeout(
        `${what}: still ${waiting} after ${String(options.stepTimeoutMs / 1000)} s; fix that and run the handover again, it resumes here`,
      );
    await new Promise((resolve) => setTimeout(resolve, options.pollMs));
  }
}

const isReady = (pod: V1Pod): boolean =>
  pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

async function handOverNode(
  cluster: HandoverCluster,
  state: ClusterState,
  h: NodeHandover,
  options: RunOptions,
): Promise<void> {
  const { names, namespace } = state;
  const node = h.node;
  const chart = state.chart;
  if (chart === undefined) throw new Error('the chart is not installed');
  const labels = async (): Promise<Readonly<Record<string, string>>> =>
    (await cluster.node(node))?.labels ?? {};
  for (const action of h.actions) {
    switch (action) {
      case 'stop-operator-device-plugin':
        await cluster.labelNode(node, { [names.gateLabel]: null });
        await until(`node ${node}: ${names.daemonSet} leaving`, options, async () => {
          const left = await cluster.podsOnNode(
            node,
            namespace,
            `${names.podNameLabel}=${names.daemonSet}`,
          );
          return left.length > 0
            ? `running ${left.map((p) => p.metadata?.name).join(', ')}`
            : undefined;
        });
        break;
      case 'evict':
        await until(`node ${node}: evicting the pods that use Onload`, options, async () => {
          const consumers = (await cluster.node(node))?.consumers ?? [];
          const refused: string[] = [];
          for (const pod of consumers) if (!(await cluster.evict(pod))) refused.push(pod);
          if (consumers.length === 0) return undefined;
          return refused.length > 0
            ? `refused by a PodDisruptionBudget: ${refused.join(', ')}`
            : `terminating: ${consumers.join(', ')}`;
        });
        break;
      case 'unload-operator-modules':
        await cluster.labelNode(node, {
          [names.sfcVersionLabel]: null,
          [names.onloadVersionLabel]: null,
        });
        await until(
          `node ${node}: KMM unloading ${names.onloadModule}, ${names.sfcModule}`,
          options,
          async () => {
            const have = await labels();
            const loaded = [names.onloadReadyLabel, names.sfcReadyLabel].filter((k) =>
              Object.hasOwn(have, k),
            );
            return loaded.length > 0 ? `loaded (${loaded.join(', ')})` : undefined;
          },
        );
        break;
      case 'load-chart-modules':
        await cluster.labelNode(node, {
          [kmmVersionLabel(namespace, moduleNames.onload)]: chart.onload,
          ...(chart.sfc !== undefined
            ? { [kmmVersionLabel(namespace, moduleNames.sfc)]: chart.sfc }
            : {}),
        });
        break;
      case 'wait-chart-device-plugin':
        await until(`node ${node}: KMM loading the chart's modules`, options, async () => {
          const have = await labels();
          const want = [kmmReadyLabel(namespace, moduleNames.onload)];
          if (chart.sfc !== undefined) want.push(kmmReadyLabel(namespace, moduleNames.sfc));
          const missing = want.filter((k) => !Object.hasOwn(have, k));
          return missing.length > 0 ? `not loaded (no ${missing.join(', ')})` : undefined;
        });
        await until(`node ${node}: the chart's device plugin`, options, async () => {
          const pods = await cluster.podsOnNode(
            node,
            namespace,
            `app.kubernetes.io/component=${components.devicePlugin},${userlandVersionLabel}`,
          );
          return pods.some(isReady) ? undefined : 'not Ready';
        });
        break;
    }
  }
}

export async function runStep(
  cluster: HandoverCluster,
  state: ClusterState,
  step: Step,
  options: RunOptions,
): Promise<void> {
  const { namespace, cr, names } = state;
  switch (step.kind) {
    case 'orphan-cr':
      await cluster.orphanCr(namespace, cr, names);
      await until(`Onload ${namespace}/${cr} being deleted`, options, async () =>
        (await cluster.crExists(namespace, cr)) ? 'present' : undefined,
      );
      return;
    case 'replace-crd':
      await cluster.replaceCrd(options.chartCrd);
      return;
    case 'node':
      await handOverNode(cluster, state, step.handover, options);
      return;
    case 'delete-operator-objects':
      await cluster.deleteModule(namespace, names.onloadModule);
      await cluster.deleteModule(namespace, names.sfcModule);
      await cluster.deleteDaemonSet(namespace, names.daemonSet);
      return;
    case 'install-chart':
    case 'upgrade-chart':
      return;
  }
}
