// Reads what sfptpd (>= 3.9.0.1007) serves on /metrics of its OpenMetrics endpoint, as far as the
// exporter needs it. Pure functions: whatever the text holds, they return a result or an error.
//
// The exposition, from sfptpd's src/sfptpd_metrics.c: `# TYPE`/`# UNIT`/`# HELP` of every family
// (names prefixed with `openmetrics_prefix`, empty by default); then, for the newest buffered
// real-time sample only, a snapshot without timestamps: `<family>_snapshot_<unit>{sync}` for
// offset, freq_adj, owd, pterm, iterm (the ones the sample has), optionally the `alarm` stateset,
// `alarmtxt{sync,alarms="<names separated by spaces>|none"} 1`, `alarms{sync}` (a count),
// `in_sync{sync}`, `is_disciplining{sync}`, `last_update_seconds{sync}`, `lost_rt`,
// `servo_info{sync,clock,desc[,source][,master][,active_intf][,bond]} 1`; then every buffered
// sample (any instance) as `<family>_<unit>{sync} <value> <timestamp>`; then `# EOF`. Offsets and
// delays are in seconds; freq_adj is in ppb although its unit says ratios.
import { alarmNames, type SfptpdMeasurements, type SfptpdReport } from './sfptpd-model.ts';

export interface OmSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  readonly timestamp?: number;
}

export interface OmText {
  readonly types: ReadonlyMap<string, string>;
  readonly samples: readonly OmSample[];
}

export type OmResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

const namePattern = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const labelNamePattern = /^[a-zA-Z_][a-zA-Z0-9_]*/;

/** `{a="x",b="y"}` starting at text[0]; returns the labels and what follows. */
function parseLabels(
  text: string,
): { readonly labels: Record<string, string>; readonly rest: string } | string {
  const labels: Record<string, string> = {};
  let i = 1;
  while (text[i] !== '}') {
    const name = labelNamePattern.exec(text.slice(i))?.[0];
    if (!name || text[i + name.length] !== '=' || text[i + name.length + 1] !== '"')
      return 'bad label';
    i += name.length + 2;
    let value = '';
    while (text[i] !== '"') {
      if (i >= text.length) return 'unterminated label value';
      const c = text[i] ?? '';
      if (c === '\\') {
        const next = text[i + 1] ?? '';
        value += next === 'n' ? '\n' : next;
        i += 2;
      } else {
        value += c;
        i += 1;
      }
    }
    labels[name] = value;
    i += 1;
    if (text[i] === ',') i += 1;
    else if (text[i] !== '}') return 'bad label separator';
  }
  return { labels, rest: text.slice(i + 1) };
}

function parseNumber(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (/^[+-]?Inf$/.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  if (text === 'NaN') return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
  return Number(text);
}

function parseSample(line: string): OmSample | string {
  const name = namePattern.exec(line)?.[0];
  if (!name) return 'no metric name';
  let rest = line.slice(name.length);
  let labels: Record<string, string> = {};
  if (rest.startsWith('{')) {
    const parsed = parseLabels(rest);
    if (typeof parsed === 'string') return parsed;
    ({ labels, rest } = parsed);
  }
  const fields = rest.trim().split(' ');
  const value = parseNumber(fields[0]);
  const timestamp = parseNumber(fields[1]);
  if (!rest.startsWith(' ') || value === undefined || fields.length > 2) return 'bad value';
  if (fields.length === 2 && timestamp === undefined) return 'bad timestamp';
  return { name, labels, value, ...(timestamp !== undefined ? { timestamp } : {}) };
}

/** Samples and `# TYPE`s of an OpenMetrics (or Prometheus text) exposition; any bad line fails it. */
export function parseOpenMetricsText(text: string): OmResult<OmText> {
  const types = new Map<string, string>();
  const samples: OmSample[] = [];
  const lines = text.split('\n');
  for (const [n, line] of lines.entries()) {
    if (line === '' && n === lines.length - 1) break;
    if (line.startsWith('#')) {
      const m = /^# TYPE (\S+) (\S+)$/.exec(line);
      if (m) types.set(m[1] ?? '', m[2] ?? '');
      continue;
    }
    const sample = parseSample(line);
    if (typeof sample === 'string')
      return { ok: false, error: `line ${n + 1}: ${sample}: ${line.slice(0, 120)}` };
    samples.push(sample);
  }
  return { ok: true, value: { types, samples } };
}

/** The measurement families: name (before the unit suffix) and the field it fills. */
const measurementFamilies = [
  ['offset', 'seconds', 'offsetSeconds'],
  ['owd', 'seconds', 'oneWayDelaySeconds'],
  ['freq_adj', 'ratios', 'freqAdjustmentPpb'],
  ['pterm', 'ratios', 'pTerm'],
  ['iterm', 'ratios', 'iTerm'],
] as const;

type MeasurementKey = keyof SfptpdMeasurements;

/** sfptpd's `openmetrics_prefix`: what precedes `in_sync` in its `# TYPE … gauge` line. */
export function familyPrefix(types: ReadonlyMap<string, string>): string | undefined {
  for (const name of types.keys()) if (name.endsWith('in_sync')) return name.slice(0, -7);
  return undefined;
}

class Collector {
  private readonly byKey = new Map<string, Record<string, unknown>>();

  entry(sync: string, time: number | 'snapshot'): Record<string, unknown> {
    const key = `${sync}\u0000${time}`;
    let e = this.byKey.get(key);
    if (!e) {
      e = { sync, time, measurements: {} };
      this.byKey.set(key, e);
    }
    return e;
  }

  entries(): Record<string, unknown>[] {
    return [...this.byKey.values()];
  }
}

function measurementOf(
  prefix: string,
  name: string,
): { readonly key: MeasurementKey; readonly snapshot: boolean } | undefined {
  for (const [family, unit, key] of measurementFamilies) {
    if (name === `${prefix}${family}_${unit}`) return { key, snapshot: false };
    if (name === `${prefix}${family}_snapshot_${unit}`) return { key, snapshot: true };
  }
  return undefined;
}

const statusFamilies = [
  'in_sync',
  'is_disciplining',
  'alarmtxt',
  'last_update_seconds',
  'servo_info',
] as const;

function collect(prefix: string, samples: readonly OmSample[]): Collector {
  const c = new Collector();
  for (const s of samples) {
    const sync = s.labels.sync;
    if (sync === undefined) continue;
    const m = measurementOf(prefix, s.name);
    if (m && (m.snapshot || s.timestamp !== undefined)) {
      const e = c.entry(sync, m.snapshot ? 'snapshot' : (s.timestamp ?? 0));
      (e.measurements as Record<string, number>)[m.key] = s.value;
      continue;
    }
    const family = statusFamilies.find((f) => s.name === `${prefix}${f}`);
    if (family) c.entry(sync, 'snapshot')[family] = s;
  }
  return c;
}

function snapshotReport(e: Record<string, unknown>): SfptpdReport | string {
  const get = (f: (typeof statusFamilies)[number]): OmSample | undefined =>
    e[f] as OmSample | undefined;
  const [inSync, disciplining, alarmtxt, lastUpdate, servo] = statusFamilies.map(get);
  const sync = e.sync as string;
  if (!inSync || !lastUpdate)
    return `the snapshot of sync instance "${sync}" has no in_sync or last_update_seconds`;
  const l = servo?.labels ?? {};
  return {
    sync,
    time: lastUpdate.value,
    measurements: e.measurements as SfptpdMeasurements,
    status: {
      inSync: inSync.value === 1,
      disciplining: disciplining?.value === 1,
      alarms: alarmNames(alarmtxt?.labels.alarms ?? ''),
      servo: {
        clock: l.desc ?? l.clock ?? '',
        master: l.master ?? l.source ?? '',
        activeInterface: l.active_intf ?? '',
        bond: l.bond ?? '',
      },
    },
  };
}

/** The reports in one /metrics response of sfptpd: the snapshot's, and one per buffered sample. */
export function reportsFromOpenMetrics(text: string): OmResult<SfptpdReport[]> {
  const parsed = parseOpenMetricsText(text);
  if (!parsed.ok) return parsed;
  const prefix = familyPrefix(parsed.value.types);
  if (prefix === undefined)
    return { ok: false, error: 'not sfptpd OpenMetrics: no # TYPE line of an in_sync family' };
  const reports: SfptpdReport[] = [];
  for (const e of collect(prefix, parsed.value.samples).entries()) {
    if (e.time !== 'snapshot') {
      reports.push(e as unknown as SfptpdReport);
      continue;
    }
    const report = snapshotReport(e);
    if (typeof report === 'string') return { ok: false, error: report };
    reports.push(report);
  }
  return { ok: true, value: reports };
}
