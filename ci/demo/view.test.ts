import { describe, expect, it } from '@jest/globals';
import {
  kmmVersionLabel,
  kmmVersionReadyLabel,
  nodeAnnotation,
  pausedLabel,
  stateLabel,
} from '../../hooks/src/contract.ts';
import { renderTable } from './view.ts';

const ns = 'onload';
const now = Date.parse('2026-11-25T10:00:30Z');

describe('demo node table', () => {
  it('shows each node step, versions and whether its device plugin may run', () => {
    const lines = renderTable(
      [
        {
          name: 'done',
          labels: {
            [stateLabel(ns)]: 'upgrade-done',
            [kmmVersionLabel(ns, 'onload')]: 'v2',
            [kmmVersionReadyLabel(ns, 'onload')]: 'v2',
          },
          annotations: {},
          allocatableOnload: '100',
        },
        {
          name: 'busy',
          labels: {
            [stateLabel(ns)]: 'evicting',
            [kmmVersionLabel(ns, 'onload')]: 'v1',
            [kmmVersionReadyLabel(ns, 'onload')]: 'v1',
            [pausedLabel(ns)]: 'true',
          },
          annotations: { [nodeAnnotation(ns, 'since')]: '2026-11-25T10:00:18Z' },
        },
        { name: 'other', labels: {}, annotations: {} },
      ],
      ns,
      now,
      false,
    );
    expect(lines.map((l) => l.split(/\s{2,}/))).toEqual([
      ['NODE', 'STATE', 'ONLOAD want/loaded', 'DEVICE PLUGIN', 'amd.com/onload'],
      ['done', 'upgrade-done', 'v2 / v2', 'scheduled', '100'],
      ['busy', 'evicting (12s)', 'v1 / v1', 'paused', '-'],
      ['other', '-', '- / -', '-', '-'],
    ]);
  });
});
