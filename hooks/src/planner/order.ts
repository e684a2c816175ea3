// The order nodes are upgraded in: canary.nodeNames as listed, then nodes matching
// canary.nodeSelector by name, then everything else by name.
import type { NodeView } from '../kube/port.ts';
import { matches } from '../kube/selectors.ts';
import type { Policy } from './policy.ts';

export interface Ordered {
  /** Node names in upgrade order. */
  readonly order: readonly string[];
  readonly canaries: ReadonlySet<string>;
}

export function upgradeOrder(nodes: readonly NodeView[], policy: Policy): Ordered {
  const byName = [...nodes].sort((a, b) => compareNames(a.name, b.name));
  const present = new Set(byName.map((n) => n.name));
  const listed = unique(policy.canary.nodeNames.filter((n) => present.has(n)));
  const listedSet = new Set(listed);
  const selector = policy.canary.selector;
  const bySelector =
    selector === undefined
      ? []
      : byName
          .filter((n) => !listedSet.has(n.name) && matches(selector, n.labels))
          .map((n) => n.name);
  const canaries = new Set([...listed, ...bySelector]);
  const rest = byName.filter((n) => !canaries.has(n.name)).map((n) => n.name);
  return { order: [...listed, ...bySelector, ...rest], canaries };
}

export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function unique(items: readonly string[]): string[] {
  return [...new Set(items)];
}
