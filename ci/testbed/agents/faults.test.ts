import { describe, expect, it } from '@jest/globals';
import { parseFault, writesVersionReady } from './faults.ts';

describe('parseFault', () => {
  it('reads a fault for every module or for listed modules only', () => {
    expect(parseFault(undefined, 'onload')).toBeUndefined();
    expect(parseFault('', 'onload')).toBeUndefined();
    expect(parseFault('fail', 'onload')).toBe('fail');
    expect(parseFault('hang', 'sfc')).toBe('hang');
    expect(parseFault('fail:onload', 'onload')).toBe('fail');
    expect(parseFault('fail:onload', 'sfc')).toBeUndefined();
    expect(parseFault('hang:sfc,onload', 'onload')).toBe('hang');
  });

  it('names the accepted values when it cannot read one', () => {
    expect(() => parseFault('crash', 'onload')).toThrow(/use "fail" or "hang"/);
  });
});

describe('writesVersionReady', () => {
  it('is true from KMM 2.5 on', () => {
    expect(writesVersionReady('2.4')).toBe(false);
    expect(writesVersionReady('2.4.1')).toBe(false);
    expect(writesVersionReady('2.5')).toBe(true);
    expect(writesVersionReady('2.6.0')).toBe(true);
    expect(writesVersionReady('3.0')).toBe(true);
  });

  it('rejects what is not a version', () => {
    expect(() => writesVersionReady('latest')).toThrow(/expected <major>.<minor>/);
  });
});
