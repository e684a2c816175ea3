// The orm_json parser over our own fixtures of its output (fixtures/*.stdout: 0, 1 and several
// stacks, the non-flat layout, a truncated output) and over anything at all (it must never throw).
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ormNumber, parseOrmJson, parseStacksProc, type OrmSnapshot } from './orm-json.ts';

const fixtureDir = join(import.meta.dirname, 'fixtures');
const fixture = (name: string): string => readFileSync(join(fixtureDir, name), 'utf8');

function snapshot(text: string): OrmSnapshot {
  const result = parseOrmJson(text);
  if (!result.ok) throw new Error(result.error);
  return result.snapshot;
}

describe('parseOrmJson', () => {
  it('reads an output with no stack', () => {
    expect(snapshot(fixture('orm-json-0-stacks.stdout'))).toEqual({
      onloadVersion: '8.1.2.26',
      stacks: [],
      warnings: [],
    });
  });

  it('reads one unnamed stack: numbers and 64-bit quoted numbers, nested state left out', () => {
    const { stacks } = snapshot(fixture('orm-json-1-stack.stdout'));
    expect(stacks).toHaveLength(1);
    const [s] = stacks;
    expect(s?.id).toBe(4);
    expect(s?.name).toBe('');
    expect(s?.prettyName).toBe('4');
    expect(s?.sections.stats?.get('rx_evs')).toBe(5009);
    // spin_* counters are 64-bit, printed as strings
    expect(s?.sections.stats?.get('spin_tcp_recv')).toBe(2 ** 40 + 5000);
    expect(s?.sections.more_stats?.get('TCP_ESTABLISHED')).toBe(7);
    expect(s?.sections.tcp_stats?.get('tcp_curr_estab')).toBe(7);
    expect(s?.sections.tcp_ext_stats?.get('listen_drops')).toBe(12);
    expect(s?.state.get('creation_time_sec')).toBe(1767225840);
    expect(s?.state.get('n_ep_bufs')).toBe(36);
    expect(s?.state.has('lock')).toBe(false);
    expect(s?.state.has('nic')).toBe(false);
    expect(s?.state.has('name')).toBe(false);
  });

  it('reads several stacks, by ascending id, with their names', () => {
    const { stacks } = snapshot(fixture('orm-json-3-stacks.stdout'));
    expect(stacks.map((s) => [s.id, s.name, s.prettyName])).toEqual([
      [2, 'trader-a', '2,trader-a'],
      [5, '', '5'],
      [7, 'trader-b', '7,trader-b'],
    ]);
    expect(stacks.map((s) => s.sections.stats?.get('rx_evs'))).toEqual([3009, 6009, 8009]);
  });

  it('reads the non-flat layout: ids from the keys, the --sum-all element left out', () => {
    const { stacks } = snapshot(fixture('orm-json-nonflat-2-stacks.stdout'));
    expect(stacks.map((s) => [s.id, s.name, s.prettyName])).toEqual([
      [2, 'trader-a', '2,trader-a'],
      [5, '', '5'],
    ]);
    expect(stacks[0]?.sections.stats?.get('rx_evs')).toBe(3009);
  });

  it('reports a truncated output as not JSON', () => {
    const result = parseOrmJson(fixture('orm-json-malformed-truncated.stdout'));
    expect(result).toEqual({ ok: false, error: expect.stringContaining('no valid JSON') });
  });

  it.each([
    ['', 'printed nothing'],
    ['[]', 'not a JSON object'],
    ['{"stacks":[]}', 'no onload_version'],
    ['{"onload_version":"8"}', 'neither "stacks"'],
    ['{"onload_version":"8","stacks":[1]}', 'entry 0 is not an object'],
    ['{"onload_version":"8","stacks":[{"name":"x"}]}', 'no integer stack id'],
    ['{"onload_version":"8","stacks":[{"id":-1}]}', 'no integer stack id'],
    ['{"onload_version":"8","stacks":[{"id":1.5}]}', 'no integer stack id'],
    ['{"onload_version":"8","stacks":[{"id":1},{"id":"1"}]}', 'stack 1 twice'],
    ['{"onload_version":"8","stacks":[{"id":1,"stats":[1]}]}', '"stats" is not an object'],
    ['{"onload_version":"8","stacks":[{"id":1,"stack":{"stack_state":3}}]}', 'stack_state'],
    ['{"onload_version":"8","json":[{"1":{},"2":{}}]}', 'not a one-key object'],
  ])('reports %s as malformed (%s)', (text, error) => {
    expect(parseOrmJson(text)).toEqual({ ok: false, error: expect.stringContaining(error) });
  });

  it('skips a field that holds no number, with a warning', () => {
    const s = snapshot('{"onload_version":"8","stacks":[{"id":1,"stats":{"a":"x","b":2}}]}');
    expect([...(s.stacks[0]?.sections.stats ?? [])]).toEqual([['b', 2]]);
    expect(s.warnings).toEqual(['stack 1 stats: field a holds no number ("x")']);
  });

  it('never throws, whatever it is given', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.jsonValue().map((v) => JSON.stringify({ onload_version: '8', stacks: [v] })),
        ),
        (text) => {
          const result = parseOrmJson(text);
          expect(typeof result.ok).toBe('boolean');
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('ormNumber', () => {
  it.each([
    [3, 3],
    // a uint64 maximum, as close as a double gets
    ['18446744073709551615', 2 ** 64],
    ['-5', -5],
    ['1e3', undefined],
    ['', undefined],
    [null, undefined],
    [true, undefined],
  ])('%j is %j', (input, expected) => {
    expect(ormNumber(input)).toBe(expected);
  });
});

describe('parseStacksProc', () => {
  it('maps each stack to the pid that created it, leaving out pids outside our namespace (0)', () => {
    expect([...parseStacksProc(fixture('proc-stacks.txt'))]).toEqual([
      [2, 4242],
      [7, 31337],
    ]);
  });

  it('skips lines that do not fit', () => {
    expect([...parseStacksProc('garbage\n3: x 1\n\n4: 10 0 1 2\n')]).toEqual([[4, 10]]);
  });
});
