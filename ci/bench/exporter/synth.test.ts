import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseOrmJson, parseStacksProc } from '../../../hooks/src/metrics/orm-json.ts';
import { synthesizeOrmJson, synthesizeStacksProc } from './synth.ts';

const template = readFileSync(
  join(
    import.meta.dirname,
    '..',
    '..',
    '..',
    'hooks',
    'src',
    'metrics',
    'fixtures',
    'orm-json-1-stack.stdout',
  ),
  'utf8',
);

describe('exporter bench fixtures', () => {
  it('prints N stacks the exporter parses, each with its own id, name and values', () => {
    const parsed = parseOrmJson(synthesizeOrmJson(template, 3));
    if (!parsed.ok) throw new Error(parsed.error);
    const stacks = parsed.snapshot.stacks;
    expect(stacks.map((s) => [s.id, s.name, s.prettyName])).toEqual([
      [0, 'app-0', '0,app-0'],
      [1, 'app-1', '1,app-1'],
      [2, 'app-2', '2,app-2'],
    ]);
    const polls = stacks.map((s) => s.sections.stats?.get('periodic_polls'));
    expect(polls[1]).toBe((polls[0] ?? 0) + 1);
    expect(stacks[0]?.sections.stats?.size).toBeGreaterThan(10);
  });

  it('lists one process per stack in /proc/driver/onload/stacks', () => {
    const pids = parseStacksProc(synthesizeStacksProc(3));
    expect([...pids]).toEqual([
      [0, 10_000],
      [1, 10_001],
      [2, 10_002],
    ]);
  });

  it('refuses a template without a stack', () => {
    expect(() => synthesizeOrmJson('{"onload_version":"9","stacks":[]}', 2)).toThrow('no stack');
  });
});
