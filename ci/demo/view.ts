// The demo's live per-node view and its closing summary. Pure: node snapshots in, text out.
import {
  kmmReadyLabel,
  kmmVersionLabel,
  kmmVersionReadyLabel,
  moduleNames,
  nodeAnnotation,
  pausedLabel,
  stateLabel,
} from '../../hooks/src/contract.ts';
import { formatSeconds } from '../lib/progress.ts';

export interface NodeSnapshot {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly allocatableOnload?: string;
}

function moduleCell(node: NodeSnapshot, namespace: string, module: string): string {
  const wanted = node.labels[kmmVersionLabel(namespace, module)];
  const loaded = node.labels[kmmVersionReadyLabel(namespace, module)];
  const ready = node.labels[kmmReadyLabel(namespace, module)] !== undefined;
  const loadedText = loaded ?? (ready ? 'loaded' : '-');
  return `${wanted ?? '-'} / ${loadedText}`;
}

/** Whether the device plugin may run on the node: not selected (-), paused by the rollout, or not. */
function devicePluginCell(node: NodeSnapshot, namespace: string): string {
  if (node.labels[kmmVersionLabel(namespace, moduleNames.onload)] === undefined) return '-';
  return node.labels[pausedLabel(namespace)] !== undefined ? 'paused' : 'scheduled';
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
    const state = node.labels[stateLabel(namespace)] ?? '-';
    const since = node.annotations[nodeAnnotation(namespace, 'since')];
    const inProgress = state !== '-' && state !== 'upgrade-done' && since !== undefined;
    const stateText = inProgress ? `${state} (${formatSeconds(now - Date.parse(since))})` : state;
    return [
      node.name,
      stateText,
      moduleCell(node, namespace, moduleNames.onload),
      ...(sfc ? [moduleCell(node, namespace, moduleNames.sfc)] : []),
      devicePluginCell(node, namespace),
      node.allocatableOnload ?? '-',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  return [header, ...rows].map((row) =>
    row
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  );
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
