import { describe, expect, it } from '@jest/globals';
import { module, node, ns, pod } from '../testing/fixtures.ts';
import {
  maxNamespaceLength,
  forcedBudgetWarnings,
  neverAllowsEviction,
  preflightProblems,
  type PreflightFacts,
} from './preflight.ts';
import { operatorLabels } from '../model/operator-labels.ts';

const ok: PreflightFacts = {
  namespace: ns,
  kmmModules: true,
  kmmNodeModulesConfigs: true,
  modules: {},
  operatorModules: [],
  operatorDeployments: [],
  nodes: [],
  budgets: [],
  evictionForce: false,
};

describe('preflight', () => {
  it('passes a clean cluster', () => {
    expect(preflightProblems(ok)).toEqual([]);
  });

  it('explains each problem with its fix', () => {
    const problems = preflightProblems({
      ...ok,
      namespace: 'n'.repeat(maxNamespaceLength + 1),
      kmmModules: false,
      modules: { onload: { ...module('onload', 'x'), version: undefined } },
      operatorModules: [{ ...module('onload', 'v'), namespace: 'default', name: 'x-module' }],
      operatorDeployments: [
        {
          namespace: 'onload-operator-system',
          name: 'onload-operator-controller-manager',
          replicas: 0,
        },
      ],
      nodes: [
        node('a', {
          labels: { 'onload.amd.com/default.x': '3.0', 'onload.amd.com/upgrade-skip': 'true' },
        }),
      ],
    });
    expect(problems).toHaveLength(5);
    expect(problems[0]).toContain(`at most ${maxNamespaceLength}`);
    expect(problems[1]).toContain('install KMM 2.x first');
    expect(problems[2]).toContain('delete it (kubectl delete module');
    expect(problems[3]).toContain('default/x-module');
    expect(problems[4]).toContain('onload.amd.com/default.x on a');
  });

  it('recognises only the Go operator labels, not ours', () => {
    const n = node('a', {
      labels: {
        'onload.amd.com/prod.onload': '3.0',
        'kmm.node.kubernetes.io/version-module.prod.onload-module': '3.0',
        'onload.amd.com/prod.upgrade-state': 'upgrade-done',
        'onload.amd.com/prod.paused': 'true',
        'onload.amd.com/canary': 'true',
      },
      version: 'v1',
    });
    expect(operatorLabels(n).sort()).toEqual([
      'kmm.node.kubernetes.io/version-module.prod.onload-module',
      'onload.amd.com/prod.onload',
    ]);
  });

  it('knows budgets that can never allow an eviction', () => {
    const pdb = { namespace: 'apps', name: 'p', selector: { requirements: [] } };
    expect(neverAllowsEviction({ ...pdb, maxUnavailable: 0 }, 3)).toBe('maxUnavailable 0');
    expect(neverAllowsEviction({ ...pdb, maxUnavailable: '0%' }, 3)).toBe('maxUnavailable 0');
    expect(neverAllowsEviction({ ...pdb, minAvailable: '100%' }, 3)).toBe('minAvailable 100%');
    expect(neverAllowsEviction({ ...pdb, minAvailable: 2 }, 2)).toBe(
      'minAvailable 2 with 2 pod(s)',
    );
    expect(neverAllowsEviction({ ...pdb, minAvailable: 1 }, 2)).toBeUndefined();
    expect(neverAllowsEviction({ ...pdb, maxUnavailable: 1 }, 1)).toBeUndefined();
    const problems = preflightProblems({
      ...ok,
      budgets: [{ pdb: { ...pdb, maxUnavailable: 0 }, selected: 1, consumers: [pod('w', 'a')] }],
    });
    expect(problems[0]).toContain('apps/w on a');
    const forced = {
      ...ok,
      budgets: [{ pdb: { ...pdb, maxUnavailable: 0 }, selected: 1, consumers: [pod('w', 'a')] }],
    };
    expect(preflightProblems({ ...forced, evictionForce: true })).toEqual([]);
    expect(forcedBudgetWarnings(forced.budgets)[0]).toContain('upgrade.eviction.force deletes');
  });
});
