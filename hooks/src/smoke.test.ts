import { describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { parse } from 'yaml';
describe('toolchain', () => {
  it('imports ESM-only client-node', () => {
    expect(typeof k8s.KubeConfig).toBe('function');
    expect(parse('a: 1')).toEqual({ a: 1 });
  });
});
