// sfptpd's JSON-lines real-time stats: each line of our fixture (sfptpd's documented shape) read
// as a report, lines that are not sfptpd's refused with a reason, and sfptpd's local time.
import { describe, expect, it } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseJsonStatsLine, parseLocalTime } from './sfptpd-json.ts';

const fixtureLines = async (): Promise<string[]> =>
  (await readFile(join(import.meta.dirname, 'fixtures', 'sfptpd-json-stats.jsonl'), 'utf8'))
    .split('\n')
    .filter(Boolean);

/** 2026-01-01 00:00:00 in this process's time zone, as sfptpd's local times are read. */
const t0 = new Date(2026, 0, 1, 0, 0, 0).getTime() / 1000;

describe('parseLocalTime', () => {
  it('reads sfptpd local times with micro- or nanoseconds', () => {
    expect(parseLocalTime('2026-01-01 00:00:00.250000')).toBe(t0 + 0.25);
    expect(parseLocalTime('2026-01-01 00:00:01.5')).toBe(t0 + 1.5);
    expect(parseLocalTime('2026-01-01 00:00:02')).toBe(t0 + 2);
  });

  it.each(['', 'yesterday', '2026-01-01', '01/01/2026 00:00:00', '2026-01-01 00:00:00.1234567890'])(
    'refuses %j',
    (text) => {
      expect(parseLocalTime(text)).toBeUndefined();
    },
  );
});

describe('parseJsonStatsLine', () => {
  it('reads every field of a PTP sample, in sync', async () => {
    const [line] = await fixtureLines();
    expect(parseJsonStatsLine(line ?? '')).toEqual({
      ok: true,
      report: {
        sync: 'ptp1',
        time: t0 - 0.75,
        measurements: {
          offsetSeconds: -15e-9,
          freqAdjustmentPpb: 1230,
          oneWayDelaySeconds: 851e-9,
          pTerm: -5,
          iTerm: 1235,
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
    });
  });

  it('reads a local servo sample: no one-way delay, no interface', async () => {
    const [, line] = await fixtureLines();
    expect(parseJsonStatsLine(line ?? '')).toEqual({
      ok: true,
      report: {
        sync: 'system',
        time: t0 - 0.5,
        measurements: { offsetSeconds: 3e-9, freqAdjustmentPpb: -20.25, pTerm: 0.75, iTerm: -21 },
        status: {
          inSync: true,
          disciplining: true,
          alarms: [],
          servo: { clock: 'system', master: 'phc0(ens1f0/ens1f1)', activeInterface: '', bond: '' },
        },
      },
    });
  });

  it('reads alarms and a sample out of sync', async () => {
    const [, , line] = await fixtureLines();
    const r = parseJsonStatsLine(line ?? '');
    expect(r.ok && r.report.status).toMatchObject({
      inSync: false,
      alarms: ['no-sync-pkts', 'no-follow-ups'],
    });
    expect(r.ok && r.report.time).toBe(t0 + 0.25);
    expect(r.ok && r.report.measurements.offsetSeconds).toBe(-12.5e-9);
  });

  it.each([
    ['not JSON', '{"instance":"ptp1",', 'not JSON'],
    [
      'a truncated line',
      '{"instance":"ptp1","time":"2026-01-01 00:00:00.250000","clock-m',
      'not JSON',
    ],
    ['not an object', '[1,2]', 'not a JSON object'],
    [
      'no instance',
      '{"time":"2026-01-01 00:00:00","in-sync":true,"is-disciplining":true}',
      'instance',
    ],
    [
      'a bad time',
      '{"instance":"a","time":"now","in-sync":true,"is-disciplining":true}',
      'bad "time"',
    ],
    [
      'no in-sync',
      '{"instance":"a","time":"2026-01-01 00:00:00","is-disciplining":true}',
      '"in-sync"',
    ],
    [
      'alarms that are not names',
      '{"instance":"a","time":"2026-01-01 00:00:00","in-sync":true,"is-disciplining":true,"alarms":[1]}',
      '"alarms"',
    ],
  ])('refuses %s', (_, line, error) => {
    expect(parseJsonStatsLine(line)).toEqual({ ok: false, error: expect.stringContaining(error) });
  });

  it('ignores stats that are not numbers', () => {
    const r = parseJsonStatsLine(
      '{"instance":"a","time":"2026-01-01 00:00:00","in-sync":true,"is-disciplining":false,"stats":{"offset":"12","freq-adj":null}}',
    );
    expect(r.ok && r.report.measurements).toEqual({});
  });
});
