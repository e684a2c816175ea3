// The property test's own reading of a node's labels, spelled out here rather than taken from the
// planner (model/node-facts.ts, planner/policy.ts), so the Sim judges the planner independently.
import type { ModuleKey } from '../contract.ts';
import type { NodeView } from '../kube/port.ts';
import { ns } from './fixtures.ts';

export function versionKey(module: ModuleKey): string {
  return `kmm.node.kubernetes.io/version-module.${ns}.${module}`;
}

const stateKey = `onload.amd.com/${ns}.upgrade-state`;
export const pausedKey = `onload.amd.com/${ns}.paused`;
const skipKey = 'onload.amd.com/upgrade-skip';
const inProgress = new Set([
  'stopping-device-plugin',
  'evicting',
  'reloading-driver',
  'validating',
]);

export interface SimView {
  readonly state: string | undefined;
  readonly paused: boolean;
  readonly skip: boolean;
  readonly version: Readonly<Record<ModuleKey, string | undefined>>;
}

export function simView(node: NodeView): SimView {
  const l = node.labels;
  return {
    state: l[stateKey],
    paused: Object.hasOwn(l, pausedKey),
    skip: l[skipKey] === 'true',
    version: { onload: l[versionKey('onload')], sfc: l[versionKey('sfc')] },
  };
}

export function isInProgress(state: string | undefined): boolean {
  return state !== undefined && inProgress.has(state);
}

/** Being upgraded: paused or in a progress state, and not failed. */
export function isActive(view: SimView): boolean {
  return view.state !== 'upgrade-failed' && (view.paused || isInProgress(view.state));
}

/** maxUnavailable as a node count: an integer, or a percentage of `total` rounded up. */
export function maxUnavailableOf(value: number | string, total: number): number {
  if (typeof value === 'number') return value;
  return Math.ceil((Number(value.replace('%', '')) * total) / 100);
}
