// Controllers for MemoryKube: a KMM that follows the label contract (docs/architecture.md), the DaemonSet
// controller for the device plugin / control plane (gated on `.ready` and our pause label), the
// kubelet advertising amd.com/onload, and pod deletion.
import {
  kmmReadyLabel,
  kmmVersionLabel,
  kmmVersionReadyLabel,
  moduleNames,
  pausedLabel,
  type ModuleKey,
} from '../contract.ts';
import { mergeStringMap } from './merge-patch.ts';
import { matches, type Selector } from '../kube/selectors.ts';
import { nodeServicePods } from '../model/pods.ts';
import { services } from './fixtures.ts';
import type { Controller, MemoryKube } from './memory-kube.ts';

export interface KmmOptions {
  readonly namespace: string;
  /** KMM >= 2.5 writes `.version.ready`. */
  readonly versionReady: boolean;
  /** Nodes where loading onload always fails. */
  readonly broken?: ReadonlySet<string>;
}

export function kmm(o: KmmOptions): Controller {
  const loaded = new Map<string, Partial<Record<ModuleKey, string>>>();
  return (kube: MemoryKube) => {
    for (const node of kube.nodes.values()) {
      const ns = o.namespace;
      if (!loaded.has(node.name)) {
        const initial: Partial<Record<ModuleKey, string>> = {};
        for (const m of ['onload', 'sfc'] as const)
          if (Object.hasOwn(node.labels, kmmReadyLabel(ns, m)))
            initial[m] =
              node.labels[kmmVersionReadyLabel(ns, m)] ?? node.labels[kmmVersionLabel(ns, m)] ?? '';
        loaded.set(node.name, initial);
      }
      const state = loaded.get(node.name) ?? {};
      const ops: Record<string, string | null> = {};
      for (const m of ['onload', 'sfc'] as const) {
        const want = node.labels[kmmVersionLabel(ns, m)];
        const have = state[m];
        const moduleVersion = kube.modules.get(moduleNames[m])?.version;
        if (have !== undefined && want !== have) {
          if (m === 'sfc' && state.onload !== undefined) continue;
          state[m] = undefined;
          ops[kmmReadyLabel(ns, m)] = null;
          ops[kmmVersionReadyLabel(ns, m)] = null;
        } else if (have === undefined && want !== undefined && want === moduleVersion) {
          if (m === 'onload' && o.broken?.has(node.name)) continue;
          if (m === 'onload' && kube.modules.has(moduleNames.sfc) && state.sfc === undefined)
            continue;
          state[m] = want;
          ops[kmmReadyLabel(ns, m)] = '';
          if (o.versionReady) ops[kmmVersionReadyLabel(ns, m)] = want;
        }
      }
      kube.nmcs.set(node.name, {
        modules: (['onload', 'sfc'] as const)
          .filter((m) => node.labels[kmmVersionLabel(ns, m)] !== undefined)
          .map((m) => ({
            namespace: ns,
            name: moduleNames[m],
            configApplied:
              state[m] !== undefined && state[m] === node.labels[kmmVersionLabel(ns, m)],
          })),
      });
      if (Object.keys(ops).length > 0)
        kube.editNode(node.name, (n) => ({ labels: mergeStringMap(n.labels, ops) }));
    }
  };
}

export interface DaemonSetOptions {
  readonly namespace: string;
  readonly release: string;
  readonly selector: Selector;
  /** Userland version in the DaemonSet templates now. */
  readonly userland: () => string;
}

export function daemonSets(o: DaemonSetOptions): Controller {
  return (kube: MemoryKube) => {
    for (const [key, pod] of kube.pods) if (pod.deleting) kube.removePod(key);
    for (const node of kube.nodes.values()) {
      const ref = { namespace: o.namespace, release: o.release };
      const running = nodeServicePods([...kube.pods.values()], node.name, ref);
      const should =
        matches(o.selector, node.labels) &&
        Object.hasOwn(node.labels, kmmReadyLabel(o.namespace, moduleNames.onload)) &&
        !Object.hasOwn(node.labels, pausedLabel(o.namespace));
      if (!should) for (const p of running) kube.putPod({ ...p, deleting: true });
      else if (running.length === 0)
        for (const p of services(node.name, o.userland())) kube.putPod(p);
      const allocatable = should && running.some((p) => p.ready) ? 10 : 0;
      if (node.onloadAllocatable !== allocatable)
        kube.editNode(node.name, () => ({ onloadAllocatable: allocatable }));
    }
  };
}
