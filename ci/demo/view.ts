// The demo's live per-node view and its closing summary. Pure: node snapshots in, text out.
import { readNodeFacts } from '../../hooks/src/model/node-facts.ts';
import {
  alignColumns,
  devicePluginCell,
  moduleCell,
  stateCell,
} from '../../hooks/src/view/node-table.ts';
import { formatSeconds } from '../lib/progress.ts';

export interface NodeSnapshot {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly allocatableOnload?: string;
}

export function renderTable(
  nodes: readonly NodeSnapshot[],
  namespace: string,
  now: number,
  sfc: boolean,
): string[] {
  const header = [
    'NODE',
    'STATE',
    'ONLOAD want/loaded',
    ...(sfc ? ['SFC want/loaded'] : []),
    'DEVICE PLUGIN',
    'amd.com/onload',
  ];
  const rows = nodes.map((node) => {
    const facts = readNodeFacts({ ...node, resourceVersion: '' }, namespace);
    return [
      node.name,
      stateCell(facts, now),
      moduleCell(facts, 'onload'),
      ...(sfc ? [moduleCell(facts, 'sfc')] : []),
      devicePluginCell(facts),
      node.allocatableOnload ?? '-',
    ];
  });
  return alignColumns([header, ...rows]);
}

export interface NodeTimeline {
  readonly node: string;
  /** Whether the chart's selector picked the node (it carries the KMM version label). */
  readonly selected: boolean;
  /** First time the node was seen in a rollout state, and when it reached upgrade-done. */
  readonly startedAt?: number;
  readonly doneAt?: number;
  readonly evictions: number;
  readonly finalVersion?: string;
}

export function renderSummary(timelines: readonly NodeTimeline[], totalMs: number): string[] {
  const lines = timelines.map((t) => {
    if (!t.selected) return `  ${t.node.padEnd(12)} not selected (no Solarflare NIC label)`;
    const took =
      t.startedAt !== undefined && t.doneAt !== undefined
        ? formatSeconds(t.doneAt - t.startedAt)
        : 'not upgraded';
    return `  ${t.node.padEnd(12)} ${took.padEnd(14)} evicted ${String(t.evictions).padEnd(3)} now on ${t.finalVersion ?? '-'}`;
  });
  return [`Rollout finished in ${formatSeconds(totalMs)}:`, ...lines];
}
