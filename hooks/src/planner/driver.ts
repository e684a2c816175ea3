// Driver facts the planner derives from a node: is it labelled for the desired version, and has
// KMM loaded that version (KMM >= 2.5 `.version.ready`; older KMM: `.ready` back after we saw it
// gone, plus the NodeModulesConfig entry applied).
import { moduleNames, userlandVersionLabel, components, type ModuleKey } from '../contract.ts';
import type { NmcView, NodeView, PodView } from '../kube/port.ts';
import type { NodeFacts } from '../model/node-facts.ts';
import { componentLabel, nodeServicePods, type ReleaseRef } from '../model/pods.ts';
import {
  mismatchedDriverMessage,
  waitsOnMismatchedDriver,
  type DriverLoaded,
} from './init-step.ts';
import type { Policy } from './policy.ts';

export function labelsAtTarget(facts: NodeFacts, policy: Policy): boolean {
  const { onload, sfc } = facts.modules;
  const sfcOk = policy.sfcEnabled ? sfc.label === policy.desiredVersion : sfc.label === undefined;
  return onload.label === policy.desiredVersion && sfcOk;
}

export type Loaded = 'yes' | 'no' | 'need-nmc';

/**
 * Whether KMM has `version` of `module` loaded. `requireUnloadSeen`: without `.version.ready`
 * (KMM < 2.5), `.ready` only proves a fresh load if we saw it gone during this reload.
 */
export function moduleLoaded(
  facts: NodeFacts,
  module: ModuleKey,
  version: string,
  namespace: string,
  nmc: NmcView | null | undefined,
  requireUnloadSeen: boolean,
): Loaded {
  const m = facts.modules[module];
  if (m.label !== version || !m.ready) return 'no';
  if (m.versionReady !== undefined) return m.versionReady === version ? 'yes' : 'no';
  if (requireUnloadSeen && !facts.unloaded.includes(module)) return 'no';
  if (nmc === undefined) return 'need-nmc';
  if (nmc === null) return 'yes';
  const entry = nmc.modules.find(
    (e) => e.namespace === namespace && e.name === moduleNames[module],
  );
  return entry?.configApplied ? 'yes' : 'no';
}

/** The onload version KMM reports loaded on the node, if any. */
export function loadedVersion(facts: NodeFacts): string | undefined {
  const m = facts.modules.onload;
  if (!m.ready) return undefined;
  return m.versionReady ?? m.label;
}

export interface ServiceCheck {
  readonly ok: boolean;
  /** What is missing, for humans. */
  readonly missing: readonly string[];
  /** Not-Ready service pods running another userland version: safe to recreate. */
  readonly stale: readonly PodView[];
}

/**
 * Device plugin and control plane Ready with the desired userland, amd.com/onload allocatable.
 * `driverLoaded`: KMM reports the desired driver loaded, so a pod stuck in its init step is told
 * apart (it never will be Ready).
 */
export function checkServices(
  node: NodeView,
  releasePods: readonly PodView[],
  ref: ReleaseRef,
  version: string,
  driverLoaded?: DriverLoaded,
): ServiceCheck {
  const pods = nodeServicePods(releasePods, node.name, ref);
  const missing: string[] = [];
  const stale: PodView[] = [];
  for (const [component, label] of [
    [components.devicePlugin, 'device plugin'],
    [components.controlPlane, 'control plane'],
  ] as const) {
    const mine = pods.filter((p) => p.labels[componentLabel] === component);
    const good = mine.some(
      (p) => p.ready && !p.deleting && p.labels[userlandVersionLabel] === version,
    );
    if (good) continue;
    stale.push(
      ...mine.filter((p) => !p.ready && !p.deleting && p.labels[userlandVersionLabel] !== version),
    );
    if (mine.length === 0) missing.push(`no ${label} pod`);
    else {
      const p = mine[0];
      const userland = p?.labels[userlandVersionLabel] ?? 'unknown';
      missing.push(
        userland !== version
          ? `${label} pod ${p?.name ?? ''} runs userland ${userland}, not ${version}`
          : p && driverLoaded && waitsOnMismatchedDriver(p, driverLoaded)
            ? mismatchedDriverMessage(label, p, version)
            : `${label} pod ${p?.name ?? ''} not Ready${p?.trouble ? ` (${p.trouble})` : ''}`,
      );
    }
  }
  if (node.onloadAllocatable <= 0) missing.push('amd.com/onload not allocatable');
  return { ok: missing.length === 0, missing, stale };
}

/** What KMM has still to load for the desired version on this node, for humans ([] when loaded). */
export function driverMissing(facts: NodeFacts, policy: Policy): string[] {
  const v = policy.desiredVersion;
  const missing: string[] = [];
  const modules = policy.sfcEnabled ? (['sfc', 'onload'] as const) : (['onload'] as const);
  for (const m of modules) {
    const f = facts.modules[m];
    if (!f.ready) missing.push(`KMM to load ${m}`);
    else if (f.versionReady !== undefined && f.versionReady !== v)
      missing.push(`KMM to load ${m} ${v} (loaded: ${f.versionReady})`);
  }
  return missing;
}
