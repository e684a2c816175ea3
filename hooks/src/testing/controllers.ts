// Controllers for MemoryKube: KMM and the DaemonSet controller of the device plugin / control
// plane (their behaviour in kmm-model.ts, shared with the property test's Sim), the kubelet
// advertising amd.com/onload, and pod deletion.
import { kmmVersionLabel, moduleNames } from '../contract.ts';
import { kmmReconcile, loadedFromLabels, servicesRun, type Loaded } from './kmm-model.ts';
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
  const loadedOn = new Map<string, Loaded>();
  return (kube: MemoryKube) => {
    const ns = o.namespace;
    for (const node of kube.nodes.values()) {
      const { loaded, ops } = kmmReconcile({
        namespace: ns,
        labels: node.labels,
        loaded: loadedOn.get(node.name) ?? loadedFromLabels(ns, node.labels),
        moduleVersion: (m) => kube.modules.get(moduleNames[m])?.version,
        sfcManaged: kube.modules.has(moduleNames.sfc),
        broken: o.broken?.has(node.name) ?? false,
        versionReady: o.versionReady,
      });
      loadedOn.set(node.name, loaded);
      kube.nmcs.set(node.name, {
        modules: (['onload', 'sfc'] as const)
          .filter((m) => node.labels[kmmVersionLabel(ns, m)] !== undefined)
          .map((m) => ({
            namespace: ns,
            name: moduleNames[m],
            configApplied:
              loaded[m] !== undefined && loaded[m] === node.labels[kmmVersionLabel(ns, m)],
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
      const should = matches(o.selector, node.labels) && servicesRun(o.namespace, node.labels);
      if (!should) for (const p of running) kube.putPod({ ...p, deleting: true });
      else if (running.length === 0)
        for (const p of services(node.name, o.userland())) kube.putPod(p);
      const allocatable = should && running.some((p) => p.ready) ? 10 : 0;
      if (node.onloadAllocatable !== allocatable)
        kube.editNode(node.name, () => ({ onloadAllocatable: allocatable }));
    }
  };
}
