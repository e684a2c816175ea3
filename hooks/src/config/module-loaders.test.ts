import { describe, expect, it } from '@jest/globals';
import { ConfigError } from './errors.ts';
import { parseModuleLoaders } from './module-loaders.ts';

describe('ONLOAD_MODULE_LOADERS', () => {
  it('reads each Module name with its loader', () => {
    expect(parseModuleLoaders('{"onload":{"serviceAccountName":"sa"}}', 'X')).toEqual({
      onload: { serviceAccountName: 'sa' },
    });
  });

  it('refuses what is not an object of objects, naming the variable', () => {
    expect(() => parseModuleLoaders('{"onload":"x"}', 'X')).toThrow(ConfigError);
    expect(() => parseModuleLoaders('[', 'X')).toThrow('X is not valid JSON');
  });
});
