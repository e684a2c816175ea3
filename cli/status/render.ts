// `kubectl onload status` as text: a summary of the Onload status and one row per node (the
// demo's cells), or the status document as JSON or YAML. Pure.
import { stringify } from 'yaml';
import type { OnloadStatus } from '../../hooks/generated/onload-types.ts';
import {
  alignColumns,
  devicePluginCell,
  moduleCell,
  stateCell,
} from '../../hooks/src/view/node-table.ts';
import { rerunUpgrade, resumeCommandLine } from '../hints.ts';
import { failureOf, statusDocument, type NodeStatus, type Status } from './report.ts';

export const outputFormats = ['json', 'yaml', 'wide'] as const;
export type OutputFormat = (typeof outputFormats)[number] | 'table';

export function renderStatus(s: Status, format: OutputFormat, now: number): string {
  switch (format) {
    case 'json':
      return JSON.stringify(statusDocument(s), null, 2);
    case 'yaml':
      return stringify(statusDocument(s)).trimEnd();
    default:
      return [...summaryLines(s, format === 'wide'), '', ...nodeLines(s, format === 'wide', now)]
        .join('\n')
        .trimEnd();
  }
}

function summaryLines(s: Status, wide: boolean): string[] {
  const st: OnloadStatus = s.onload.status ?? {};
  const head = [
    `Onload ${s.onload.name} in namespace ${s.namespace}: ${st.phase ?? 'no status yet'}`,
    ...(st.desiredVersion !== undefined ? [`desired version ${st.desiredVersion}`] : []),
    ...(s.paused ? ['PAUSED'] : []),
  ].join(' · ');
  const n = st.nodes;
  const versions = Object.entries(st.versions ?? {});
  const r = st.rollout;
  return [
    head,
    ...(n
      ? [
          `Nodes: ${n.upToDate ?? 0}/${n.total ?? 0} up to date · ${n.upgrading ?? 0} upgrading · ${n.pending ?? 0} pending · ${n.failed ?? 0} failed · ${n.skipped ?? 0} skipped`,
        ]
      : []),
    ...(versions.length > 0
      ? [`Loaded: ${versions.map(([v, count]) => `${v} on ${count}`).join(', ')}`]
      : []),
    ...(r ? [rolloutLine(r)] : []),
    ...((st.conditions ?? []).length > 0
      ? [
          `Conditions: ${(st.conditions ?? [])
            .map(
              (c) =>
                `${c.type}=${c.status} (${c.reason}${wide && c.message ? `: ${c.message}` : ''})`,
            )
            .join(', ')}`,
        ]
      : []),
    ...(st.failedNodes ?? []).map(
      (f) => `Failed: ${f.name}: ${f.reason}${f.message !== undefined ? `: ${f.message}` : ''}`,
    ),
    ...(s.paused
      ? [
          `Paused: no more nodes start. Resume: ${resumeCommandLine(s.onload, s.namespace)}, then ${rerunUpgrade(s.onload, s.namespace)}.`,
        ]
      : []),
  ];
}

function rolloutLine(r: NonNullable<OnloadStatus['rollout']>): string {
  const span =
    r.fromVersion !== undefined ? `${r.fromVersion} → ${r.toVersion ?? '?'}` : (r.toVersion ?? '');
  const times = [
    ...(r.startedAt !== undefined ? [`started ${r.startedAt}`] : []),
    ...(r.finishedAt !== undefined ? [`finished ${r.finishedAt}`] : []),
  ];
  return [`Rollout: ${span}`, ...times, ...(r.message !== undefined ? [r.message] : [])]
    .filter((p) => p !== 'Rollout: ')
    .join(' · ');
}

function notes({ facts }: NodeStatus, wide: boolean): string {
  const failure = failureOf(facts);
  const parts = [
    ...(facts.skip ? ['skip'] : []),
    ...(facts.paused ? ['paused'] : []),
    ...(failure
      ? [
          `failed: ${failure.reason}${wide && failure.message !== undefined ? `: ${failure.message}` : ''}`,
        ]
      : []),
  ];
  return parts.length > 0 ? parts.join(', ') : '-';
}

function nodeCondition({ node }: NodeStatus): string {
  return [
    node.ready ? 'Ready' : 'NotReady',
    ...(node.unschedulable ? ['SchedulingDisabled'] : []),
  ].join(',');
}

function nodeLines(s: Status, wide: boolean, now: number): string[] {
  if (s.nodes.length === 0) {
    const selector = Object.entries(s.onload.selector ?? {}).map(([k, v]) => `${k}=${v}`);
    return [
      `No nodes: spec.selector (${selector.join(',') || 'every node'}) matches none and none carries the release's labels.`,
    ];
  }
  const sfc = s.nodes.some(({ facts }) => {
    const m = facts.modules.sfc;
    return m.label !== undefined || m.ready || m.versionReady !== undefined;
  });
  const header = [
    'NODE',
    'STATE',
    'ONLOAD want/loaded',
    ...(sfc ? ['SFC want/loaded'] : []),
    ...(wide ? ['TARGET', 'DEVICE PLUGIN', 'amd.com/onload', 'NODE STATUS'] : []),
    'NOTES',
  ];
  const rows = s.nodes.map((n) => [
    n.node.name,
    stateCell(n.facts, now),
    moduleCell(n.facts, 'onload'),
    ...(sfc ? [moduleCell(n.facts, 'sfc')] : []),
    ...(wide
      ? [
          n.facts.target ?? '-',
          devicePluginCell(n.facts),
          String(n.node.onloadAllocatable),
          nodeCondition(n),
        ]
      : []),
    notes(n, wide),
  ]);
  return alignColumns([header, ...rows]);
}
