// From reports to series: how reports merge per sync instance, and every family the registry
// serves from each source's fixture, under the same names whichever the source.
import { describe, expect, it } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { find, parseExposition, value, type Exposition } from '../testing/exposition.ts';
import { parseJsonStatsLine } from './sfptpd-json.ts';
import { alarmNames, SfptpdState, type SfptpdReport } from './sfptpd-model.ts';
import { reportsFromOpenMetrics } from './sfptpd-openmetrics.ts';
import { sfptpdFamilies as f, SfptpdMetrics } from './sfptpd-registry.ts';

const fixture = (name: string): Promise<string> =>
  readFile(join(import.meta.dirname, 'fixtures', name), 'utf8');

async function omReports(name: string): Promise<SfptpdReport[]> {
  const r = reportsFromOpenMetrics(await fixture(name));
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

async function jsonReports(): Promise<SfptpdReport[]> {
  return (await fixture('sfptpd-json-stats.jsonl'))
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const r = parseJsonStatsLine(line);
      if (!r.ok) throw new Error(r.error);
      return r.report;
    });
}

async function serve(
  reports: readonly SfptpdReport[],
  options: { up?: boolean; stale?: (t: number) => boolean } = {},
): Promise<Exposition> {
  const state = new SfptpdState();
  state.apply(reports);
  const m = new SfptpdMetrics({ nodeName: 'worker-1' });
  m.show({ up: options.up ?? true, source: 'json' }, state.list(), options.stale ?? (() => false));
  return parseExposition(await m.registry.metrics());
}

const status = {
  inSync: true,
  disciplining: true,
  alarms: [],
  servo: { clock: 'c', master: 'm', activeInterface: '', bond: '' },
};

describe('SfptpdState', () => {
  it('keeps the newest report per instance; a partial one updates measurements and time only', () => {
    const s = new SfptpdState();
    s.apply([
      { sync: 'a', time: 12, measurements: { offsetSeconds: 2 } },
      { sync: 'a', time: 10, measurements: { offsetSeconds: 1, pTerm: 7 }, status },
    ]);
    expect(s.list()).toEqual([
      { sync: 'a', time: 12, measurements: { offsetSeconds: 2, pTerm: 7 }, status },
    ]);
    // older than what is known: ignored
    s.apply([
      {
        sync: 'a',
        time: 11,
        measurements: { offsetSeconds: 9 },
        status: { ...status, inSync: false },
      },
    ]);
    expect(s.list()[0]?.status).toEqual(status);
    // a newer complete one replaces everything
    s.apply([{ sync: 'a', time: 13, measurements: {}, status: { ...status, alarms: ['x'] } }]);
    expect(s.list()).toEqual([
      { sync: 'a', time: 13, measurements: {}, status: { ...status, alarms: ['x'] } },
    ]);
    // an instance seen only in partial reports has no status
    s.apply([{ sync: 'b', time: 1, measurements: { offsetSeconds: 3 } }]);
    expect(s.list()[1]).toEqual({ sync: 'b', time: 1, measurements: { offsetSeconds: 3 } });
    s.clear();
    expect(s.list()).toEqual([]);
  });

  it('applies a complete report after a partial one of the same time', () => {
    const s = new SfptpdState();
    s.apply([
      { sync: 'a', time: 1, measurements: { offsetSeconds: 1 }, status },
      { sync: 'a', time: 1, measurements: { offsetSeconds: 2 } },
    ]);
    expect(s.list()[0]?.measurements).toEqual({ offsetSeconds: 1 });
  });

  it('reads alarm text as sfptpd prints it', () => {
    expect(alarmNames('none')).toEqual([]);
    expect(alarmNames('no-sync-pkts caps-mismatch  ')).toEqual(['no-sync-pkts', 'caps-mismatch']);
    expect(alarmNames('no-sync-pkts no-follow...')).toEqual(['no-sync-pkts', 'no-follow...']);
  });
});

describe('SfptpdMetrics', () => {
  it('serves every family of the OpenMetrics fixture', async () => {
    const e = await serve(await omReports('sfptpd-openmetrics-2-instances.txt'));
    const p1 = { node: 'worker-1', sync: 'ptp1' };
    expect(value(e, f.inSync, p1)).toBe(1);
    expect(value(e, f.disciplining, p1)).toBe(1);
    expect(value(e, f.stale, p1)).toBe(0);
    expect(value(e, f.offset, p1)).toBe(-12.5e-9);
    expect(value(e, f.oneWayDelay, p1)).toBe(850e-9);
    expect(value(e, f.freqAdjustment, p1)).toBe(1234.567);
    expect(value(e, f.pTerm, p1)).toBe(-4);
    expect(value(e, f.iTerm, p1)).toBe(1238.567);
    expect(value(e, f.alarms, p1)).toBe(0);
    expect(find(e, f.alarm)).toEqual([]);
    expect(value(e, f.lastUpdate, p1)).toBe(1767225600.25);
    expect(
      value(e, f.servoInfo, {
        ...p1,
        clock: 'phc0(ens1f0/ens1f1)',
        master: 'gm',
        active_interface: 'ens1f0',
        bond: 'bond0',
      }),
    ).toBe(1);
    // ptp2 reported only in timestamped samples: measurements and time, no status
    const p2 = { sync: 'ptp2' };
    expect(value(e, f.offset, p2)).toBe(300e-9);
    expect(value(e, f.oneWayDelay, p2)).toBe(1.2e-6);
    expect(value(e, f.freqAdjustment, p2)).toBe(-56);
    expect(value(e, f.lastUpdate, p2)).toBe(1767225600.125);
    expect(value(e, f.stale, p2)).toBe(0);
    for (const name of [f.inSync, f.disciplining, f.alarms, f.servoInfo, f.pTerm])
      expect(find(e, name, p2)).toEqual([]);
    expect(value(e, f.up)).toBe(1);
    expect(value(e, f.source, { source: 'json' })).toBe(1);
    expect(find(e, f.errors)).toHaveLength(10);
    for (const s of find(e, f.errors)) expect(s.value).toBe(0);
  });

  it('serves the alarms of the prefixed fixture, one series per active alarm', async () => {
    const e = await serve(await omReports('sfptpd-openmetrics-prefixed-alarms.txt'));
    const p1 = { sync: 'ptp1' };
    expect(value(e, f.inSync, p1)).toBe(0);
    expect(value(e, f.alarms, p1)).toBe(2);
    expect(find(e, f.alarm).map((s) => [s.labels.sync, s.labels.alarm, s.value])).toEqual([
      ['ptp1', 'no-sync-pkts', 1],
      ['ptp1', 'no-follow-ups', 1],
    ]);
    expect(value(e, f.servoInfo, { ...p1, bond: '', active_interface: 'ens1f0' })).toBe(1);
  });

  it('serves every family of the JSON-lines fixture, newest sample per instance', async () => {
    const e = await serve(await jsonReports());
    const t0 = new Date(2026, 0, 1).getTime() / 1000;
    const p1 = { sync: 'ptp1' };
    expect(value(e, f.inSync, p1)).toBe(0);
    expect(value(e, f.disciplining, p1)).toBe(1);
    expect(value(e, f.offset, p1)).toBe(-12.5e-9);
    expect(value(e, f.oneWayDelay, p1)).toBe(850e-9);
    expect(value(e, f.freqAdjustment, p1)).toBe(1234.567);
    expect(value(e, f.pTerm, p1)).toBe(-4);
    expect(value(e, f.iTerm, p1)).toBe(1238.567);
    expect(value(e, f.alarms, p1)).toBe(2);
    expect(find(e, f.alarm, p1).map((s) => s.labels.alarm)).toEqual([
      'no-sync-pkts',
      'no-follow-ups',
    ]);
    expect(value(e, f.lastUpdate, p1)).toBe(t0 + 0.25);
    const sys = { sync: 'system' };
    expect(value(e, f.inSync, sys)).toBe(1);
    expect(value(e, f.offset, sys)).toBe(3e-9);
    expect(find(e, f.oneWayDelay, sys)).toEqual([]);
    expect(value(e, f.lastUpdate, sys)).toBe(t0 - 0.5);
    expect(
      value(e, f.servoInfo, {
        ...sys,
        clock: 'system',
        master: 'phc0(ens1f0/ens1f1)',
        active_interface: '',
        bond: '',
      }),
    ).toBe(1);
  });

  it('serves the same families whichever the source', async () => {
    const names = (e: Exposition): string[] => [...new Set(e.samples.map((s) => s.name))].sort();
    const om = await serve(await omReports('sfptpd-openmetrics-prefixed-alarms.txt'));
    const json = await serve(await jsonReports());
    expect(names(om)).toEqual(names(json));
    expect(names(json)).toEqual(Object.values(f).sort());
    for (const e of [om, json]) for (const s of e.samples) expect(s.labels.node).toBe('worker-1');
  });

  it('shows a stale instance not in sync, with its time and no other value', async () => {
    const e = await serve(await jsonReports(), { stale: () => true });
    const sys = { sync: 'system' };
    expect(value(e, f.inSync, sys)).toBe(0);
    expect(value(e, f.stale, sys)).toBe(1);
    expect(find(e, f.lastUpdate, sys)).toHaveLength(1);
    for (const name of [f.offset, f.freqAdjustment, f.disciplining, f.alarms, f.servoInfo])
      expect(find(e, name, sys)).toEqual([]);
  });

  it('serves no per-instance series while the source is down', async () => {
    const e = await serve(await jsonReports(), { up: false });
    expect(value(e, f.up)).toBe(0);
    expect(e.samples.filter((s) => s.labels.sync !== undefined)).toEqual([]);
  });
});
