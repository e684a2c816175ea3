import { describe, expect, it } from '@jest/globals';
import { readNodeFacts } from '../model/node-facts.ts';
import { node, ns } from '../testing/fixtures.ts';
import { alignColumns, devicePluginCell, moduleCell, stateCell } from './node-table.ts';

const now = Date.parse('2026-11-30T12:00:00Z');
const facts = (...args: Parameters<typeof node>) => readNodeFacts(node(...args), ns);

describe('node table cells', () => {
  it('show wanted and loaded versions, "loaded" where KMM does not say which', () => {
    expect(moduleCell(facts('a', { onload: 'v2', onloadLoaded: 'v1' }), 'onload')).toBe('v2 / v1');
    expect(moduleCell(facts('a', { version: 'v1', loaded: 'v1', oldKmm: true }), 'sfc')).toBe(
      'v1 / loaded',
    );
    expect(moduleCell(facts('a'), 'onload')).toBe('- / -');
  });

  it('show how long a node has been in a step, but not once it is done', () => {
    const since = now - 75_000;
    expect(stateCell(facts('a', { state: 'evicting', since }), now)).toBe('evicting (1m15s)');
    expect(stateCell(facts('a', { state: 'upgrade-done', since }), now)).toBe('upgrade-done');
    expect(stateCell(facts('a'), now)).toBe('-');
  });

  it('show whether the device plugin may run', () => {
    expect(devicePluginCell(facts('a'))).toBe('-');
    expect(devicePluginCell(facts('a', { version: 'v1' }))).toBe('scheduled');
    expect(devicePluginCell(facts('a', { version: 'v1', paused: true }))).toBe('paused');
  });

  it('align columns two spaces apart without trailing blanks', () => {
    expect(
      alignColumns([
        ['A', 'BB', ''],
        ['ccc', 'd', 'e'],
      ]),
    ).toEqual(['A    BB', 'ccc  d   e']);
  });
});
