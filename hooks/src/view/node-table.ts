// Text views of the node contract shared by the demo's live table and `kubectl onload status`.
// Pure: node facts in, cells and aligned lines out.
import type { ModuleKey } from '../contract.ts';
import { formatDuration } from '../model/duration.ts';
import type { NodeFacts } from '../model/node-facts.ts';

/** "<wanted> / <loaded>": the version KMM must run and the one it reports loaded ("loaded" on KMM < 2.5). */
export function moduleCell(facts: NodeFacts, module: ModuleKey): string {
  const m = facts.modules[module];
  return `${m.label ?? '-'} / ${m.versionReady ?? (m.ready ? 'loaded' : '-')}`;
}

/** The rollout state, with how long the node has been in it unless it is done. */
export function stateCell(facts: NodeFacts, now: number): string {
  if (facts.state === undefined) return '-';
  if (facts.state === 'upgrade-done' || facts.since === undefined) return facts.state;
  return `${facts.state} (${formatDuration(now - facts.since)})`;
}

/** Whether the device plugin may run on the node: not selected (-), paused by the rollout, or not. */
export function devicePluginCell(facts: NodeFacts): string {
  if (facts.modules.onload.label === undefined) return '-';
  return facts.paused ? 'paused' : 'scheduled';
}

/** Columns padded to their widest cell, two spaces apart, no trailing blanks. */
export function alignColumns(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  return rows.map((row) =>
    row
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}
