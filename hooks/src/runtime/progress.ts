// Human-readable progress: a line whenever a node's step changes, and a summary (done/total,
// current steps, elapsed, ETA) when the counts change or every `everyMs`.
import type { Logger } from '../log/logger.ts';
import { formatDuration } from '../model/duration.ts';
import type { NodeReport, RolloutPlan } from '../planner/types.ts';

export interface ProgressOptions {
  readonly log: Logger;
  readonly now: () => number;
  readonly title: string;
  readonly parallel: number;
  readonly everyMs?: number;
}

export class Progress {
  private readonly o: ProgressOptions;
  private readonly startedAt: number;
  private readonly steps = new Map<string, string>();
  private readonly finished = new Set<string>();
  private lastCounts = '';
  private lastSummaryAt = 0;

  constructor(options: ProgressOptions) {
    this.o = options;
    this.startedAt = options.now();
  }

  /** Logs what changed; returns the current summary line. */
  report(plan: Pick<RolloutPlan, 'reports'>): string {
    const now = this.o.now();
    for (const r of plan.reports) {
      const previous = this.steps.get(r.name);
      const line = `${r.category}: ${r.step}`;
      if (previous === line) continue;
      this.steps.set(r.name, line);
      if (r.category === 'done' && previous !== undefined && !previous.startsWith('done'))
        this.finished.add(r.name);
      if (
        r.category === 'pending' ||
        r.category === 'skipped' ||
        (r.category === 'done' && previous === undefined)
      )
        continue;
      const age =
        r.since !== undefined && r.category === 'active'
          ? ` (${formatDuration(now - r.since)})`
          : '';
      this.o.log.info(`  ${r.name}: ${r.state ?? r.category} — ${r.step}${age}`, {
        node: r.name,
        category: r.category,
        step: r.step,
      });
    }
    const counts = this.counts(plan.reports);
    const summary = this.withTiming(counts, plan.reports, now);
    if (counts !== this.lastCounts || now - this.lastSummaryAt >= (this.o.everyMs ?? 30_000)) {
      this.o.log.info(summary);
      this.lastCounts = counts;
      this.lastSummaryAt = now;
    }
    return summary;
  }

  private withTiming(counts: string, reports: readonly NodeReport[], now: number): string {
    const remaining = reports.filter(
      (r) => r.category === 'pending' || r.category === 'retry' || r.category === 'active',
    ).length;
    const elapsed = now - this.startedAt;
    let eta = '';
    if (this.finished.size > 0 && remaining > 0) {
      const perNode = elapsed / this.finished.size;
      eta = ` · ETA ~${formatDuration((perNode * remaining) / Math.max(1, this.o.parallel))}`;
    }
    return `[${this.o.title}] ${counts} · elapsed ${formatDuration(elapsed)}${eta}`;
  }

  /** Nodes by category, and what the active ones are doing (the summary without its timing). */
  private counts(reports: readonly NodeReport[]): string {
    const n = (c: NodeReport['category']): number => reports.filter((r) => r.category === c).length;
    const active = reports.filter((r) => r.category === 'active');
    const parts = [
      `${n('done')}/${reports.length} done`,
      ...(active.length > 0
        ? [
            `${active.length} upgrading (${active.map((r) => `${r.name}: ${r.state ?? 'starting'}`).join(', ')})`,
          ]
        : []),
      ...(n('pending') + n('retry') > 0 ? [`${n('pending') + n('retry')} pending`] : []),
      ...(n('waiting') > 0 ? [`${n('waiting')} waiting for the driver`] : []),
      ...(n('failed') > 0 ? [`${n('failed')} failed`] : []),
      ...(n('deferred') > 0 ? [`${n('deferred')} NotReady/cordoned`] : []),
      ...(n('skipped') > 0 ? [`${n('skipped')} skipped`] : []),
    ];
    return parts.join(' · ');
  }
}
