import { describe, expect, it } from '@jest/globals';
import { format, fromLabelSelector, fromMap, matches, parse, SelectorError } from './selectors.ts';

describe('label selectors', () => {
  it('parses the string syntax and matches labels like the API server', () => {
    const s = parse(
      'app=trader, tier in (a,b),!canary, env!=dev, zone',
      'upgrade.eviction.podSelector',
    );
    expect(matches(s, { app: 'trader', tier: 'a', zone: 'z1' })).toBe(true);
    expect(matches(s, { app: 'trader', tier: 'c', zone: 'z1' })).toBe(false);
    expect(matches(s, { app: 'trader', tier: 'a', zone: 'z1', canary: '' })).toBe(false);
    expect(matches(s, { app: 'trader', tier: 'a', zone: 'z1', env: 'dev' })).toBe(false);
    expect(matches(s, { app: 'trader', tier: 'a' })).toBe(false);
    expect(format(s)).toBe('app=trader,tier in (a,b),!canary,env!=dev,zone');
  });

  it('rejects malformed selectors naming the field and an example', () => {
    expect(() => parse('app==', 'upgrade.eviction.podSelector')).not.toThrow();
    expect(() => parse('a b c', 'upgrade.eviction.podSelector')).toThrow(SelectorError);
    expect(() => parse('tier in (a b)', 'upgrade.eviction.podSelector')).toThrow(
      /upgrade.eviction.podSelector: "tier in \(a b\)" is not a valid label selector/,
    );
  });

  it('treats an empty string as everything, a null PDB selector as nothing and {} as everything', () => {
    expect(matches(parse('', 'x'), { any: 'thing' })).toBe(true);
    expect(matches(fromLabelSelector(null), {})).toBe(false);
    expect(matches(fromLabelSelector({}), { a: 'b' })).toBe(true);
    const pdb = fromLabelSelector({
      matchLabels: { app: 'web' },
      matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['x'] }],
    });
    expect(matches(pdb, { app: 'web', tier: 'y' })).toBe(true);
    expect(matches(pdb, { app: 'web', tier: 'x' })).toBe(false);
  });

  it('formats a map (spec.selector) in stable key order', () => {
    expect(format(fromMap({ b: '2', a: '1' }))).toBe('a=1,b=2');
  });
});
