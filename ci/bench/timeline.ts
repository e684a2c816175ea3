// Per-node state timelines from the hook's own output: every transition is logged as
// "node <name>: <from> → <to>: <why>" (runtime/executor.ts), timestamped by the bench as it arrives.
// Pure.
import { nodeStates } from '../../hooks/src/contract.ts';

export interface TimedLine {
  readonly at: number;
  readonly text: string;
}

export interface Transition {
  readonly at: number;
  readonly node: string;
  readonly from: string;
  readonly to: string;
}

const transitionPattern = /(?:^|\] )(?:[A-Z]+: )?node (\S+): (\S+) → (\S+): /;

export function parseTransition(line: TimedLine): Transition | undefined {
  const m = transitionPattern.exec(line.text);
  if (!m) return undefined;
  const [, node = '', from = '', to = ''] = m;
  return { at: line.at, node, from, to };
}

export interface StateStats {
  readonly state: string;
  /** Nodes that went through the state. */
  readonly nodes: number;
  readonly medianMs: number;
  readonly p90Ms: number;
  readonly maxMs: number;
}

/** How long nodes stayed in each in-progress state (entering it → entering the next). */
export function stateStats(transitions: readonly Transition[]): StateStats[] {
  const byNode = new Map<string, Transition[]>();
  for (const t of transitions) byNode.set(t.node, [...(byNode.get(t.node) ?? []), t]);
  const spans = new Map<string, number[]>();
  for (const list of byNode.values()) {
    const sorted = [...list].sort((a, b) => a.at - b.at);
    for (const [i, t] of sorted.entries()) {
      const next = sorted[i + 1];
      if (!next || t.to === 'upgrade-done' || t.to === 'upgrade-failed') continue;
      spans.set(t.to, [...(spans.get(t.to) ?? []), next.at - t.at]);
    }
  }
  return nodeStates
    .filter((s) => spans.has(s))
    .map((state) => {
      const ms = spans.get(state) ?? [];
      return {
        state,
        nodes: ms.length,
        medianMs: percentile(ms, 50),
        p90Ms: percentile(ms, 90),
        maxMs: Math.max(...ms),
      };
    });
}

/** When the first node was started (entered stopping-device-plugin), or undefined. */
export function firstStartAt(transitions: readonly Transition[]): number | undefined {
  const starts = transitions.filter((t) => t.to === 'stopping-device-plugin').map((t) => t.at);
  return starts.length > 0 ? Math.min(...starts) : undefined;
}

/** Nearest-rank percentile; 0 for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? 0;
}
