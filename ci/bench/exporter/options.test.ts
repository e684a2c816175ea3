import { describe, expect, it } from '@jest/globals';
import { parseExporterBenchArgs } from './options.ts';

describe('exporter bench options', () => {
  it('defaults to 1, 100 and 1000 stacks with the default limit and without one', () => {
    expect(parseExporterBenchArgs([])).toEqual({
      stacks: [1, 100, 1000],
      maxStacks: [16, 'all'],
      scrapes: 20,
    });
  });

  it('names the flag of a bad value', () => {
    expect(() => parseExporterBenchArgs(['--stacks', '1,x'])).toThrow('--stacks: "x"');
    expect(() => parseExporterBenchArgs(['--max-stacks', '0'])).toThrow('--max-stacks: "0"');
    expect(() => parseExporterBenchArgs(['--scrapes', '-1'])).toThrow('--scrapes');
    expect(() => parseExporterBenchArgs(['--nodes', '3'])).toThrow("'--nodes'");
  });
});
