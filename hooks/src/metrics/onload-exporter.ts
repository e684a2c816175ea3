// The Onload exporter (unprivileged container of the metrics pod): on each scrape it reads the
// runner's last run (run-file.ts), judges it and shows it in the registry. Only a run that
// succeeded, printed valid output and is recent yields per-stack series and /orm.json; a failed,
// malformed or stale run is `onload_orm_json_up 0`, a failure count by reason and one log line
// when the state changes, never the last good data presented as current.
import type { Logger } from '../log/logger.ts';
import { failureReasons, OnloadMetrics, type FailureReason } from './onload-registry.ts';
import { parseOrmJson, parseStacksProc, type OrmParseResult } from './orm-json.ts';
import { readRunFile, type RunFile, type RunHeader } from './run-file.ts';

export interface ExporterOptions {
  /** The directory the runner writes its run file to. */
  readonly dir: string;
  readonly maxStacks: number;
  readonly nodeName: string;
  readonly log: Logger;
  readonly now?: () => number;
}

export interface OrmJsonResponse {
  readonly status: number;
  readonly body: string;
}

/** A run counts as current for two intervals plus its timeout (and 10 s of slack). */
export function staleAfterMs(
  header: Pick<RunHeader, 'intervalSeconds' | 'timeoutSeconds'>,
): number {
  return (2 * header.intervalSeconds + header.timeoutSeconds + 10) * 1000;
}

interface Parsed {
  readonly key: string;
  readonly result: OrmParseResult;
  readonly pids: ReadonlyMap<number, number>;
}

export class OnloadExporter {
  readonly metrics: OnloadMetrics;
  private readonly o: ExporterOptions;
  private readonly now: () => number;
  private parsed: Parsed | undefined;
  private malformed = 0;
  private staleCount = 0;
  private wasStale = false;
  private lastSuccessAt: number | undefined;
  private status = '';
  private current: { readonly output: string } | undefined;
  private problem = 'no orm_json run yet';
  private lastRunAt: number | undefined;
  private refreshing: Promise<void> | undefined;
  private readonly said = new Set<string>();

  constructor(options: ExporterOptions) {
    this.o = options;
    this.now = options.now ?? Date.now;
    this.metrics = new OnloadMetrics({ nodeName: options.nodeName, maxStacks: options.maxStacks });
    this.showNoRun(0, emptyFailures());
  }

  /** Reads the last run and updates the registry (concurrent callers share one read). */
  refresh(): Promise<void> {
    this.refreshing ??= this.readAndShow().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /** /orm.json: the current good run's output as orm_json printed it, or 503 and why not. */
  ormJson(): OrmJsonResponse {
    if (this.current) return { status: 200, body: this.current.output };
    const lastRunAt = this.lastRunAt === undefined ? null : new Date(this.lastRunAt).toISOString();
    return { status: 503, body: `${JSON.stringify({ error: this.problem, lastRunAt })}\n` };
  }

  private async readAndShow(): Promise<void> {
    const read = await readRunFile(this.o.dir);
    if (read.kind === 'run') {
      this.show(read.run);
      return;
    }
    const problem =
      read.kind === 'missing'
        ? 'no orm_json run yet (the runner container writes the first one)'
        : read.error;
    this.transition('waiting', problem);
    this.showNoRun(0, { ...emptyFailures(), malformed: this.malformed, stale: this.staleCount });
  }

  private showNoRun(runs: number, failures: Record<FailureReason, number>): void {
    this.current = undefined;
    this.metrics.showHealth({
      up: false,
      runs,
      failures,
      ...(this.lastSuccessAt !== undefined ? { lastSuccessAt: this.lastSuccessAt / 1000 } : {}),
    });
  }

  private show(run: RunFile): void {
    const h = run.header;
    this.lastRunAt = h.finishedAt;
    const key = `${h.runnerStartedAt}:${h.seq}`;
    const newRun = this.parsed?.key !== key;
    const parsed = this.parsed && !newRun ? this.parsed : this.parse(key, run);
    this.parsed = parsed;
    const age = this.now() - h.finishedAt;
    const stale = age > staleAfterMs(h);
    if (stale && !this.wasStale) this.staleCount += 1;
    this.wasStale = stale;
    const result = parsed.result;
    const { status, problem } = judge(h, result, stale ? age : undefined);
    const up = status === 'ok' && result.ok;
    if (up) this.lastSuccessAt = h.finishedAt;
    this.transition(status, problem);
    this.metrics.showHealth({
      up,
      lastRunAt: h.finishedAt / 1000,
      durationSeconds: (h.finishedAt - h.startedAt) / 1000,
      runs: h.runs,
      failures: {
        ...emptyFailures(),
        ...h.failures,
        malformed: this.malformed,
        stale: this.staleCount,
      },
      ...(this.lastSuccessAt !== undefined ? { lastSuccessAt: this.lastSuccessAt / 1000 } : {}),
    });
    this.current = up ? { output: run.output } : undefined;
    if (result.ok && up) {
      const problems = this.metrics.showStacks(result.snapshot, parsed.pids, newRun);
      if (newRun) for (const p of [...result.snapshot.warnings, ...problems]) this.o.log.debug(p);
    }
  }

  private parse(key: string, run: RunFile): Parsed {
    const h = run.header;
    if (h.outcome !== 'ok')
      return { key, result: { ok: false, error: 'run failed' }, pids: new Map() };
    const result = parseOrmJson(run.output);
    if (!result.ok) this.malformed += 1;
    const proc = h.stacksProc;
    if (proc && 'error' in proc)
      this.once(`stacks:${proc.error}`, `the pid label stays empty: ${proc.error}`);
    const pids = proc && 'text' in proc ? parseStacksProc(proc.text) : new Map<number, number>();
    return { key, result, pids };
  }

  private transition(status: string, problem: string): void {
    this.problem = problem || this.problem;
    if (status === this.status) return;
    const before = this.status;
    this.status = status;
    if (status === 'ok') {
      if (before) this.o.log.info('orm_json runs are good again: per-stack metrics are served');
    } else
      this.o.log.warn(`${problem}; onload_orm_json_up is 0 and no per-stack metrics are served`);
  }

  private once(key: string, message: string): void {
    if (this.said.has(key)) return;
    this.said.add(key);
    this.o.log.info(message);
  }
}

/** What a run amounts to: 'ok', or why not and how to say so. */
function judge(
  h: RunHeader,
  result: OrmParseResult,
  staleFor: number | undefined,
): { readonly status: string; readonly problem: string } {
  if (staleFor !== undefined)
    return {
      status: 'stale',
      problem: `no orm_json run finished for ${Math.round(staleFor / 1000)} s (the runner container is stuck or gone)`,
    };
  if (h.outcome !== 'ok')
    return {
      status: h.outcome,
      problem: `orm_json run ${h.seq} failed (${h.outcome}): ${h.error ?? 'no detail'}`,
    };
  if (!result.ok) return { status: 'malformed', problem: `orm_json run ${h.seq}: ${result.error}` };
  return { status: 'ok', problem: '' };
}

function emptyFailures(): Record<FailureReason, number> {
  return Object.fromEntries(failureReasons.map((r) => [r, 0])) as Record<FailureReason, number>;
}
