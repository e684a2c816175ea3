// The sfptpd exporter (a container of the sfptpd pod): on each scrape it reads sfptpd, from its
// OpenMetrics socket or its JSON-lines stats file (`auto`: the socket when it exists and answers,
// else the file), merges the reports into what it knows of each sync instance and shows that in
// the registry. A read that fails is counted by reason and leaves no per-instance series; an
// instance sfptpd has not reported for staleSeconds is shown not in sync.
import type { Logger } from '../log/logger.ts';
import { parseJsonStatsLine } from './sfptpd-json.ts';
import { SfptpdState, type SfptpdReport } from './sfptpd-model.ts';
import { reportsFromOpenMetrics } from './sfptpd-openmetrics.ts';
import { SfptpdMetrics, type SfptpdErrorReason, type SfptpdSource } from './sfptpd-registry.ts';
import { fetchOverSocket, JsonLinesTail, peekMetricsPath, socketExists } from './sfptpd-sources.ts';

export const sfptpdSourceModes = ['auto', 'openmetrics', 'json'] as const;
export type SfptpdSourceMode = (typeof sfptpdSourceModes)[number];

export interface SfptpdExporterOptions {
  readonly mode: SfptpdSourceMode;
  readonly socketPath: string;
  readonly jsonStatsPath: string;
  /** The stats file is truncated once read beyond this size. */
  readonly jsonMaxBytes: number;
  readonly staleSeconds: number;
  readonly timeoutMs: number;
  readonly nodeName: string;
  readonly log: Logger;
  readonly now?: () => number;
}

type Read =
  | { readonly ok: true; readonly source: SfptpdSource; readonly reports: SfptpdReport[] }
  | { readonly ok: false; readonly source: SfptpdSource; readonly problem: string };

export class SfptpdExporter {
  readonly metrics: SfptpdMetrics;
  private readonly o: SfptpdExporterOptions;
  private readonly now: () => number;
  private readonly state = new SfptpdState();
  private readonly tail: JsonLinesTail;
  private source: SfptpdSource | undefined;
  private status = '';
  private refreshing: Promise<void> | undefined;
  private readonly said = new Set<string>();

  constructor(options: SfptpdExporterOptions) {
    this.o = options;
    this.now = options.now ?? Date.now;
    this.metrics = new SfptpdMetrics({ nodeName: options.nodeName });
    this.tail = new JsonLinesTail(options.jsonStatsPath, options.jsonMaxBytes);
    this.metrics.show({ up: false, source: undefined }, [], () => true);
  }

  /** Reads sfptpd and updates the registry (concurrent callers share one read). */
  refresh(): Promise<void> {
    this.refreshing ??= this.readAndShow().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async readAndShow(): Promise<void> {
    const read = await this.read();
    if (this.source !== undefined && read.source !== this.source) {
      this.o.log.info(`now reading sfptpd's ${read.source} source (was ${this.source})`);
      this.state.clear();
    }
    this.source = read.source;
    if (read.ok) this.state.apply(read.reports);
    this.transition(read);
    const nowSeconds = this.now() / 1000;
    this.metrics.show({ up: read.ok, source: read.source }, this.state.list(), (t) => {
      return nowSeconds - t > this.o.staleSeconds;
    });
  }

  private async read(): Promise<Read> {
    if (this.o.mode === 'openmetrics') return this.readOpenMetrics();
    if (this.o.mode === 'json') return this.readJson(true);
    if (!(await socketExists(this.o.socketPath))) return this.readJson(true);
    const om = await this.readOpenMetrics();
    if (om.ok) return om;
    const json = await this.readJson(false);
    return json.ok ? json : om;
  }

  private fail(source: SfptpdSource, reason: SfptpdErrorReason, problem: string): Read {
    this.metrics.errors.inc({ source, reason });
    return { ok: false, source, problem };
  }

  private async readOpenMetrics(): Promise<Read> {
    const source = 'openmetrics';
    const path = this.o.socketPath;
    const res = await fetchOverSocket(path, peekMetricsPath, this.o.timeoutMs);
    if (!res.ok) return this.fail(source, res.error.reason, res.error.message);
    const parsed = reportsFromOpenMetrics(res.text);
    if (!parsed.ok) return this.fail(source, 'malformed', `${path}: ${parsed.error}`);
    return { ok: true, source, reports: parsed.value };
  }

  /** `countMissing`: a missing file is an error (false: auto mode, after a socket that failed). */
  private async readJson(countMissing: boolean): Promise<Read> {
    const source = 'json';
    const res = await this.tail.read();
    if (!res.ok) {
      if (res.error.reason === 'missing' && !countMissing)
        return { ok: false, source, problem: res.error.message };
      return this.fail(source, res.error.reason, res.error.message);
    }
    const reports: SfptpdReport[] = [];
    for (const line of res.lines) {
      const parsed = parseJsonStatsLine(line);
      if (parsed.ok) reports.push(parsed.report);
      else {
        this.metrics.errors.inc({ source, reason: 'malformed' });
        this.once(`json:${parsed.error}`, `${this.tail.path}: skipped a line: ${parsed.error}`);
      }
    }
    if (res.truncated) this.o.log.debug(`${this.tail.path}: read and truncated`);
    return { ok: true, source, reports };
  }

  private transition(read: Read): void {
    const status = read.ok ? `ok:${read.source}` : `failed:${read.source}`;
    if (status === this.status) return;
    const before = this.status;
    this.status = status;
    if (read.ok) this.o.log.info(`reading sfptpd from ${describe(read.source, this.o)}`);
    else
      this.o.log.warn(
        `cannot read sfptpd${before ? '' : ' yet'}: ${read.problem}; sfptpd_exporter_source_up is 0`,
      );
  }

  private once(key: string, message: string): void {
    if (this.said.has(key)) return;
    this.said.add(key);
    this.o.log.warn(message);
  }
}

function describe(source: SfptpdSource, o: SfptpdExporterOptions): string {
  return source === 'openmetrics'
    ? `its OpenMetrics socket ${o.socketPath} (GET ${peekMetricsPath})`
    : `its JSON-lines stats ${o.jsonStatsPath}`;
}
