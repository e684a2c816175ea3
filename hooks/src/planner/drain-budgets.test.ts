import { describe, expect, it } from '@jest/globals';
import type { PdbView } from '../kube/port.ts';
import { fromMap } from '../kube/selectors.ts';
import { consumer, policy } from '../testing/fixtures.ts';
import { budgetRefusal, refusingBudgets } from './drain-budgets.ts';

const web = (name: string, o: { ready?: boolean; deleting?: boolean } = {}) =>
  consumer(name, 'a', { labels: { app: 'web' }, ...o });
const budget = (disruptionsAllowed?: number): PdbView => ({
  namespace: 'apps',
  name: 'web-pdb',
  selector: fromMap({ app: 'web' }),
  ...(disruptionsAllowed !== undefined ? { disruptionsAllowed } : {}),
});

describe('budgets checked before the uninstall evicts anything', () => {
  it('finds a budget that allows fewer evictions than the ready pods it protects', () => {
    const pods = [web('w1'), web('w2'), consumer('other', 'a')];
    expect(refusingBudgets(pods, [budget(2)])).toEqual([]);
    expect(refusingBudgets(pods, [budget(1)])).toEqual([
      { pdb: budget(1), pods: [pods[0], pods[1]] },
    ]);
    expect(refusingBudgets(pods, [budget()])).toHaveLength(1);
    expect(refusingBudgets([web('w1', { ready: false }), web('w2')], [budget(1)])).toEqual([]);
    expect(refusingBudgets([web('w1', { deleting: true })], [budget(0)])).toEqual([]);
    expect(refusingBudgets(pods, [{ ...budget(0), namespace: 'other' }])).toEqual([]);
  });

  it('refuses naming the budgets and pods, that nothing was evicted, and how to recover the release', () => {
    const message = budgetRefusal([web('w1')], [budget(0)], policy(), 2) ?? '';
    expect(message).toContain(
      'PodDisruptionBudget apps/web-pdb allows 0 eviction(s) but protects 1 such pod(s) (apps/w1 on a)',
    );
    expect(message).toContain(
      'Nothing was uninstalled and nothing was evicted; the device plugin returns to 2 node(s)',
    );
    expect(message).toContain('helm rollback onload <revision> -n onload-system');
    expect(message).toContain('helm uninstall onload -n onload-system again');
    expect(budgetRefusal([web('w1')], [budget(1)], policy(), 2)).toBeUndefined();
  });
});
