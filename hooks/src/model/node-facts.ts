// What a Node's labels and annotations say about Onload on it (docs/architecture.md, node contract), read without judgement.
import {
  kmmReadyLabel,
  kmmVersionLabel,
  kmmVersionReadyLabel,
  moduleNames,
  nodeAnnotation,
  nodeStates,
  pausedLabel,
  skipLabel,
  stateLabel,
  type ModuleKey,
  type NodeState,
} from '../contract.ts';
import type { NodeView } from '../kube/port.ts';

export interface ModuleFacts {
  /** Our KMM version label (the version KMM must run). */
  readonly label?: string;
  /** KMM's `.ready` label is present. */
  readonly ready: boolean;
  /** KMM >= 2.5 `.version.ready` label. */
  readonly versionReady?: string;
}

export interface NodeFacts {
  readonly name: string;
  readonly modules: Readonly<Record<ModuleKey, ModuleFacts>>;
  readonly paused: boolean;
  /** Our state label when it holds a known state. */
  readonly state?: NodeState;
  readonly since?: number;
  readonly target?: string;
  readonly reason?: string;
  readonly message?: string;
  /** Modules seen unloaded during the current reload (KMM < 2.5 fallback evidence). */
  readonly unloaded: readonly ModuleKey[];
  readonly retriedAt?: number;
  readonly skip: boolean;
}

export const inProgressStates: readonly NodeState[] = [
  'stopping-device-plugin',
  'evicting',
  'reloading-driver',
  'validating',
];

export function isInProgressState(state: NodeState | undefined): boolean {
  return state !== undefined && inProgressStates.includes(state);
}

export function readNodeFacts(node: NodeView, namespace: string): NodeFacts {
  const { labels, annotations } = node;
  const module = (m: ModuleKey): ModuleFacts => {
    const name = moduleNames[m];
    const label = labels[kmmVersionLabel(namespace, name)];
    const versionReady = labels[kmmVersionReadyLabel(namespace, name)];
    return {
      ready: Object.hasOwn(labels, kmmReadyLabel(namespace, name)),
      ...(label !== undefined ? { label } : {}),
      ...(versionReady !== undefined ? { versionReady } : {}),
    };
  };
  const rawState = labels[stateLabel(namespace)];
  const state = nodeStates.find((s) => s === rawState);
  const since = parseTime(annotations[nodeAnnotation(namespace, 'since')]);
  const retriedAt = parseTime(annotations[nodeAnnotation(namespace, 'retried')]);
  const target = annotations[nodeAnnotation(namespace, 'target')];
  const reason = annotations[nodeAnnotation(namespace, 'reason')];
  const message = annotations[nodeAnnotation(namespace, 'message')];
  const unloadedRaw = annotations[nodeAnnotation(namespace, 'unloaded')] ?? '';
  const unloaded = (Object.keys(moduleNames) as ModuleKey[]).filter((m) =>
    unloadedRaw.split(',').includes(moduleNames[m]),
  );
  return {
    name: node.name,
    modules: { onload: module('onload'), sfc: module('sfc') },
    paused: Object.hasOwn(labels, pausedLabel(namespace)),
    skip: labels[skipLabel] === 'true',
    unloaded,
    ...(state !== undefined ? { state } : {}),
    ...(since !== undefined ? { since } : {}),
    ...(retriedAt !== undefined ? { retriedAt } : {}),
    ...(target !== undefined ? { target } : {}),
    ...(reason !== undefined ? { reason } : {}),
    ...(message !== undefined ? { message } : {}),
  };
}

export function parseTime(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

export function formatTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** The value of the `unloaded` annotation for a set of modules. */
export function formatUnloaded(modules: readonly ModuleKey[]): string {
  return [...new Set(modules)]
    .sort()
    .map((m) => moduleNames[m])
    .join(',');
}
