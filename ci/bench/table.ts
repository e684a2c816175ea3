// The printed summary: Markdown tables (paste-able into the README) of the rollout and labeller
// cases, and the test bed's calibration. Pure.
import { percentile } from './percentile.ts';
import type { BedResult, LabellerCase, ProcessFigures, RolloutCase } from './results.ts';

export function markdownTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    `| ${widths.map((w, i) => (cells[i] ?? '').padEnd(w)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)];
}

export function seconds(s: number | undefined): string {
  if (s === undefined) return '—';
  if (s >= 600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return s >= 10 ? `${s.toFixed(0)}s` : `${s.toFixed(2)}s`;
}

function rss(p: ProcessFigures): string {
  return p.peakRssMiB === undefined ? '—' : `${p.peakRssMiB.toFixed(0)} MiB`;
}

function cpu(p: ProcessFigures): string {
  return p.cpuSeconds === undefined ? '—' : seconds(p.cpuSeconds);
}

function exit(p: ProcessFigures): string {
  return p.exitCode === 0 ? 'ok' : `exit ${p.exitCode}`;
}

function invariants(c: RolloutCase): string {
  const v = c.safety.violations;
  if (v.length === 0) return 'held';
  return `${v.length} broken: ${[...new Set(v.map((x) => x.invariant))].join('; ')}`;
}

export function rolloutTable(cases: readonly RolloutCase[]): string[] {
  return markdownTable(
    [
      'nodes',
      'parallel',
      'wall',
      'minimum',
      'ratio',
      'bed floor',
      'ratio to bed floor',
      'API req/node',
      'cluster-wide pod/node LIST per node step',
      'peak RSS',
      'CPU',
      '1st node patch',
      '1st node started',
      'outage p50 / p95',
      'most out (paused / no device plugin)',
      'invariants',
      'result',
    ],
    cases.map((c) => [
      String(c.nodes),
      String(c.concurrency),
      seconds(c.process.wallSeconds),
      seconds(c.minimumSeconds),
      c.ratio.toFixed(2),
      seconds(c.bedFloorSeconds),
      c.bedRatio.toFixed(2),
      c.requests.perNode.toFixed(1),
      c.requests.clusterWideReadPerNodeStep
        ? `yes (${c.requests.clusterWideReads.length})`
        : c.requests.clusterWideReads.length > 0
          ? `no (${c.requests.clusterWideReads.length} at start)`
          : 'no',
      rss(c.process),
      cpu(c.process),
      seconds(c.firstNodePatchSeconds),
      seconds(c.firstNodeStartedSeconds),
      `${seconds(percentile(c.safety.outageSeconds, 50))} / ${seconds(percentile(c.safety.outageSeconds, 95))}`,
      `${c.safety.mostNodesPaused} / ${c.safety.mostNodesWithoutDevicePlugin} (max ${c.concurrency})`,
      invariants(c),
      c.safety.violations.length > 0 ? 'FAILED' : exit(c.process),
    ]),
  );
}

export function labellerTable(cases: readonly LabellerCase[]): string[] {
  return markdownTable(
    [
      'nodes',
      'joined at once',
      'all labelled',
      'after last created',
      'API req/joined node',
      'start-up requests',
      'cluster-wide pod/node LIST per node step',
      'peak RSS',
      'CPU',
      'result',
    ],
    cases.map((c) => [
      String(c.existingNodes),
      String(c.joinedNodes),
      seconds(c.allLabelledSeconds),
      seconds(c.afterLastCreatedSeconds),
      c.requests.perNode.toFixed(1),
      String(c.startupRequests),
      c.requests.clusterWideReadPerNodeStep ? 'yes' : 'no',
      rss(c.process),
      cpu(c.process),
      exit(c.process),
    ]),
  );
}

export function calibrationTable(beds: readonly BedResult[]): string[] {
  return markdownTable(
    [
      'nodes',
      'bed start',
      'install',
      'device plugin stop',
      'onload unload (KMM)',
      'onload load (KMM)',
      'device plugin start',
    ],
    beds.map((b) => [
      String(b.nodes),
      seconds(b.bedStartSeconds),
      seconds(b.installSeconds),
      seconds(b.calibration.devicePluginStopSeconds),
      seconds(b.calibration.kmmUnloadSeconds),
      seconds(b.calibration.kmmLoadSeconds),
      seconds(b.calibration.devicePluginStartSeconds),
    ]),
  );
}

/** Where each rollout's time went: median seconds per node state. */
export function stateTable(cases: readonly RolloutCase[]): string[] {
  const states = ['stopping-device-plugin', 'evicting', 'reloading-driver', 'validating'];
  return markdownTable(
    ['nodes', 'parallel', ...states.map((s) => `${s} (median / p90)`)],
    cases.map((c) => [
      String(c.nodes),
      String(c.concurrency),
      ...states.map((s) => {
        const stat = c.states.find((x) => x.state === s);
        return stat ? `${seconds(stat.medianMs / 1000)} / ${seconds(stat.p90Ms / 1000)}` : '—';
      }),
    ]),
  );
}

/** Where the machine's CPUs went during each rollout: the hook against the test bed. */
export function cpuTable(cases: readonly RolloutCase[], cpus: number): string[] {
  const names = [...new Set(cases.flatMap((c) => Object.keys(c.bedCpuSeconds)))].sort();
  const shown = (name: string): string => (name === 'node' ? 'agents' : name);
  return markdownTable(
    ['nodes', 'parallel', 'wall', 'hook', ...names.map(shown), 'all / available'],
    cases.map((c) => {
      const hook = c.process.cpuSeconds ?? 0;
      const bed = Object.values(c.bedCpuSeconds).reduce((a, b) => a + b, 0);
      return [
        String(c.nodes),
        String(c.concurrency),
        seconds(c.process.wallSeconds),
        seconds(hook),
        ...names.map((n) => seconds(c.bedCpuSeconds[n] ?? 0)),
        `${(((hook + bed) / (cpus * c.process.wallSeconds)) * 100).toFixed(0)} %`,
      ];
    }),
  );
}
