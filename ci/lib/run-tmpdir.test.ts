import { describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRunTmpdir } from './run-tmpdir.ts';

describe('the run temporary directory', () => {
  it('is made under the temporary directory and removed with everything in it, once', () => {
    const run = createRunTmpdir('run-tmpdir-test-');
    expect(dirname(run.path)).toBe(tmpdir());
    mkdirSync(join(run.path, 'onload-values-x'));
    writeFileSync(join(run.path, 'onload-values-x', 'values.yaml'), 'a: 1\n');
    expect(run.remove()).toBeUndefined();
    expect(existsSync(run.path)).toBe(false);
    expect(run.remove()).toBeUndefined();
  });
});
