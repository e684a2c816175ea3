// The node labels the Go Onload Operator leaves, whatever its namespace: the chart takes such
// nodes over (npm run migrate -- handover) instead of fighting the operator for them.
import { kmmVersionLabel, onloadGroup } from '../contract.ts';
import type { NodeView } from '../kube/port.ts';

const ourKeySuffixes = ['.upgrade-state', '.paused'];
const kmmVersionLabelPrefix = kmmVersionLabel('NS', 'M').replace(/NS\.M$/, '');

/** Node labels the Go operator writes: onload.amd.com/<ns>.<name>, version-module.<ns>.<name>-module/-sfcmod. */
export function operatorLabels(node: NodeView): string[] {
  return Object.keys(node.labels).filter((key) => {
    if (key.startsWith(`${onloadGroup}/`)) {
      const name = key.slice(onloadGroup.length + 1);
      return name.includes('.') && !ourKeySuffixes.some((s) => name.endsWith(s));
    }
    return key.startsWith(kmmVersionLabelPrefix) && /-(module|sfcmod)$/.test(key);
  });
}
