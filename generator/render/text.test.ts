import { describe, expect, it } from '@jest/globals';
import { sentence, wrap } from './text.ts';

describe('wrap', () => {
  it('fills lines up to the width and keeps long words whole', () => {
    expect(wrap('aa bb cc dd', 5)).toEqual(['aa bb', 'cc dd']);
    expect(wrap('a verylongword b', 4)).toEqual(['a', 'verylongword', 'b']);
    expect(wrap('  spaced\n out  ', 80)).toEqual(['spaced out']);
    expect(wrap('', 10)).toEqual([]);
  });
});

describe('sentence', () => {
  it('adds a full stop only when the text has no final punctuation', () => {
    expect(sentence('Pull policy')).toBe('Pull policy.');
    expect(sentence('Done. ')).toBe('Done.');
    expect(sentence('One of:')).toBe('One of:');
  });
});
