// sfptpd's OpenMetrics exposition: the small text parser, and the reports read from our fixtures
// in sfptpd 3.9's shape (default and `sfptpd_` prefix, the alarm stateset, an empty buffer).
import { describe, expect, it } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SfptpdReport } from './sfptpd-model.ts';
import { parseOpenMetricsText, reportsFromOpenMetrics } from './sfptpd-openmetrics.ts';

const fixture = (name: string): Promise<string> =>
  readFile(join(import.meta.dirname, 'fixtures', name), 'utf8');

function reports(text: string): SfptpdReport[] {
  const r = reportsFromOpenMetrics(text);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

describe('parseOpenMetricsText', () => {
  it('reads names, labels (escapes, spaces, commas), values and timestamps', () => {
    const r = parseOpenMetricsText(
      [
        '# TYPE a gauge',
        '# HELP a anything # at all',
        'a 1',
        'b{x="1",y="two words, and \\"quotes\\" \\\\ \\n"} -0.5 1767225600.250000000',
        'c{} +Inf',
        'd{z="v",} NaN',
        'e 1e-9',
        '# EOF',
        '',
      ].join('\n'),
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.types).toEqual(new Map([['a', 'gauge']]));
    expect(r.value.samples).toEqual([
      { name: 'a', labels: {}, value: 1 },
      {
        name: 'b',
        labels: { x: '1', y: 'two words, and "quotes" \\ \n' },
        value: -0.5,
        timestamp: 1767225600.25,
      },
      { name: 'c', labels: {}, value: Infinity },
      { name: 'd', labels: { z: 'v' }, value: NaN },
      { name: 'e', labels: {}, value: 1e-9 },
    ]);
  });

  it.each([
    ['no value', 'a'],
    ['a word for a value', 'a one'],
    ['a bad timestamp', 'a 1 yesterday'],
    ['three fields', 'a 1 2 3'],
    ['an unterminated label value', 'a{x="1} 1'],
    ['a label without quotes', 'a{x=1} 1'],
    ['no separator between labels', 'a{x="1" y="2"} 1'],
    ['no name', '{x="1"} 1'],
    ['JSON', '{"instance":"ptp1"}'],
  ])('fails on %s, naming the line', (_, line) => {
    const r = parseOpenMetricsText(`# TYPE a gauge\n${line}\n# EOF\n`);
    expect(r).toEqual({ ok: false, error: expect.stringContaining('line 2') });
  });
});

describe('reportsFromOpenMetrics', () => {
  it('reads the snapshot as a complete report and each buffered sample as a partial one', async () => {
    const r = reports(await fixture('sfptpd-openmetrics-2-instances.txt'));
    expect(r).toEqual(
      expect.arrayContaining([
        {
          sync: 'ptp1',
          time: 1767225600.25,
          measurements: {
            offsetSeconds: -12.5e-9,
            freqAdjustmentPpb: 1234.567,
            oneWayDelaySeconds: 850e-9,
            pTerm: -4,
            iTerm: 1238.567,
          },
          status: {
            inSync: true,
            disciplining: true,
            alarms: [],
            servo: {
              clock: 'phc0(ens1f0/ens1f1)',
              master: 'gm',
              activeInterface: 'ens1f0',
              bond: 'bond0',
            },
          },
        },
        {
          sync: 'ptp2',
          time: 1767225599.125,
          measurements: {
            offsetSeconds: 200e-9,
            freqAdjustmentPpb: -55.5,
            oneWayDelaySeconds: 1.1e-6,
          },
        },
        {
          sync: 'ptp2',
          time: 1767225600.125,
          measurements: {
            offsetSeconds: 300e-9,
            freqAdjustmentPpb: -56,
            oneWayDelaySeconds: 1.2e-6,
          },
        },
        {
          sync: 'ptp1',
          time: 1767225599.25,
          measurements: {
            offsetSeconds: -15e-9,
            freqAdjustmentPpb: 1230,
            oneWayDelaySeconds: 851e-9,
            pTerm: -5,
            iTerm: 1235,
          },
        },
      ]),
    );
    // the snapshot, two samples of ptp2, two of ptp1 (the newest at the snapshot's time)
    expect(r).toHaveLength(5);
    expect(r.filter((x) => x.status)).toHaveLength(1);
  });

  it('finds the openmetrics_prefix, reads alarmtxt and ignores the alarm stateset', async () => {
    const r = reports(await fixture('sfptpd-openmetrics-prefixed-alarms.txt'));
    const snapshot = r.find((x) => x.status);
    expect(snapshot?.status).toEqual({
      inSync: false,
      disciplining: true,
      alarms: ['no-sync-pkts', 'no-follow-ups'],
      servo: { clock: 'phc0(ens1f0)', master: 'gm', activeInterface: 'ens1f0', bond: '' },
    });
    expect(snapshot?.measurements.offsetSeconds).toBe(-12.5e-9);
    expect(r.map((x) => x.sync)).toEqual(['ptp1', 'ptp1', 'ptp1']);
  });

  it('reads an empty buffer (family lines only) as no report', async () => {
    expect(reports(await fixture('sfptpd-openmetrics-empty.txt'))).toEqual([]);
  });

  it('takes the short clock name and the source when sfptpd gives no description or master', () => {
    const text = [
      '# TYPE in_sync gauge',
      'in_sync{sync="ntp1"} 1',
      'last_update_seconds{sync="ntp1"} 100.5',
      'servo_info{sync="ntp1",clock="system",source="192.0.2.1"} 1',
      '# EOF',
    ].join('\n');
    expect(reports(text)).toEqual([
      {
        sync: 'ntp1',
        time: 100.5,
        measurements: {},
        status: {
          inSync: true,
          disciplining: false,
          alarms: [],
          servo: { clock: 'system', master: '192.0.2.1', activeInterface: '', bond: '' },
        },
      },
    ]);
  });

  it.each([
    ['an exposition that is not sfptpd', '# TYPE up gauge\nup 1\n# EOF\n', 'no # TYPE line'],
    [
      'a snapshot without last_update_seconds',
      '# TYPE in_sync gauge\nin_sync{sync="a"} 1\n# EOF\n',
      'has no in_sync or last_update_seconds',
    ],
    ['a bad line', '# TYPE in_sync gauge\nin_sync{sync="a"} yes\n', 'line 2'],
    ['an HTML error page', '<html><body>busy</body></html>\n', 'line 1'],
    ['nothing', '', 'no # TYPE line'],
  ])('fails on %s', (_, text, error) => {
    expect(reportsFromOpenMetrics(text)).toEqual({
      ok: false,
      error: expect.stringContaining(error),
    });
  });

  it('never throws, whatever the text', async () => {
    const base = await fixture('sfptpd-openmetrics-2-instances.txt');
    let seed = 42;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 300; i++) {
      const at = random(base.length);
      const cut =
        base.slice(0, at) + String.fromCharCode(random(128)) + base.slice(at + random(40));
      expect(() => reportsFromOpenMetrics(cut)).not.toThrow();
    }
  });
});
