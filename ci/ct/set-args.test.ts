import { describe, expect, it } from '@jest/globals';
import { setJsonArgs } from './set-args.ts';

describe("values as ct's --helm-extra-set-args", () => {
  it('gives one --set-json per leaf, lists and maps of strings as JSON', () => {
    expect(
      setJsonArgs({
        images: { hooks: { registry: 'localhost', pullPolicy: 'Never' } },
        hooks: {
          nodeSelector: { host: 'testbed-real-1' },
          tolerations: [{ key: 'a/b', operator: 'Exists' }],
        },
      }),
    ).toEqual([
      '--set-json=images.hooks.registry="localhost"',
      '--set-json=images.hooks.pullPolicy="Never"',
      '--set-json=hooks.nodeSelector.host="testbed-real-1"',
      '--set-json=hooks.tolerations=[{"key":"a/b","operator":"Exists"}]',
    ]);
  });

  it('passes a map with a dotted key whole, and refuses what ct would split', () => {
    expect(setJsonArgs({ hooks: { nodeSelector: { 'kubernetes.io/hostname': 'n' } } })).toEqual([
      '--set-json=hooks.nodeSelector={"kubernetes.io/hostname":"n"}',
    ]);
    expect(() => setJsonArgs({ a: { b: 'x y' } })).toThrow(/a\.b cannot pass/);
  });
});
