import { describe, expect, it } from '@jest/globals';
import { kmmReadyLabel, kmmVersionLabel } from '../../../hooks/src/contract.ts';
import { operatorNames } from './names.ts';
import { formatPlan, planHandover, type ClusterState, type NodeState } from './plan.ts';

const ns = 'onload';
const names = operatorNames(ns, 'prod');
const operatorNode = (name: string, consumers: string[] = []): NodeState => ({
  name,
  labels: {
    [names.gateLabel]: '8.1.2.26',
    [names.onloadVersionLabel]: '8.1.2.26',
    [names.sfcVersionLabel]: '8.1.2.26',
    [names.onloadReadyLabel]: '',
  },
  consumers,
});
const state = (over: Partial<ClusterState> = {}): ClusterState => ({
  namespace: ns,
  cr: 'prod',
  names,
  operatorRunning: [],
  crExists: true,
  crdOutdated: true,
  operatorObjects: [
    'Module prod-module',
    'Module prod-sfcmod',
    'DaemonSet prod-onload-device-plugin-ds',
  ],
  nodes: [operatorNode('w2'), operatorNode('w1', ['apps/trader'])],
  ...over,
});

describe('planHandover', () => {
  it('names the operator objects and labels of the CR', () => {
    expect(names).toMatchObject({
      onloadModule: 'prod-module',
      sfcModule: 'prod-sfcmod',
      daemonSet: 'prod-onload-device-plugin-ds',
      gateLabel: 'onload.amd.com/onload.prod',
      onloadVersionLabel: 'kmm.node.kubernetes.io/version-module.onload.prod-module',
      onloadReadyLabel: 'kmm.node.kubernetes.io/onload.prod-module.ready',
    });
  });

  it('before the chart is installed: frees the name, replaces the CRD, then waits for helm install', () => {
    const plan = planHandover(state());
    expect(plan.blockers).toEqual([]);
    expect(plan.steps.map((s) => s.kind)).toEqual([
      'orphan-cr',
      'replace-crd',
      'install-chart',
      'node',
      'node',
      'delete-operator-objects',
      'upgrade-chart',
    ]);
  });

  it('moves nodes by name, each through every step, naming the pods it evicts', () => {
    const plan = planHandover(state({ chart: { onload: '8.1.2.26', sfc: '8.1.2.26' } }));
    const nodes = plan.steps.flatMap((s) => (s.kind === 'node' ? [s.handover] : []));
    expect(nodes.map((n) => n.node)).toEqual(['w1', 'w2']);
    expect(nodes[0]?.actions).toEqual([
      'stop-operator-device-plugin',
      'evict',
      'unload-operator-modules',
      'load-chart-modules',
      'wait-chart-device-plugin',
    ]);
    expect(formatPlan(plan)).toContain(
      'node w1 (operator onload 8.1.2.26): remove onload.amd.com/onload.prod so prod-onload-device-plugin-ds leaves the node; evict 1 pod(s) using amd.com/onload (apps/trader);',
    );
    expect(formatPlan(plan)).toContain('onload 8.1.2.26 and sfc 8.1.2.26');
  });

  it('resumes a node stopped between the two owners and skips nodes already moved', () => {
    const loading: NodeState = {
      name: 'w3',
      labels: { [kmmVersionLabel(ns, 'onload')]: '8.1.2.26' },
      consumers: [],
    };
    const done: NodeState = {
      name: 'w4',
      labels: { [kmmVersionLabel(ns, 'onload')]: '8.1.2.26', [kmmReadyLabel(ns, 'onload')]: '' },
      consumers: [],
    };
    const plan = planHandover(
      state({
        crExists: false,
        crdOutdated: false,
        chart: { onload: '8.1.2.26' },
        nodes: [loading, done],
      }),
    );
    const nodes = plan.steps.flatMap((s) => (s.kind === 'node' ? [s.handover] : []));
    expect(nodes.map((n) => [n.node, n.actions])).toEqual([['w3', ['wait-chart-device-plugin']]]);
  });

  it('is blocked while the operator runs, saying how to remove only the operator', () => {
    const plan = planHandover(
      state({ operatorRunning: ['openshift-operators/onload-operator-controller-manager'] }),
    );
    expect(plan.blockers).toHaveLength(1);
    expect(formatPlan(plan)).toMatch(
      /^blocked: the Go Onload Operator still runs .*Subscription and ClusterServiceVersion/,
    );
  });
});
