import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

describe("a process's temporary files", () => {
  it('share one directory, each file new, and the directory goes when the process exits', () => {
    const script = `
      import { writeProcessTempFile } from ${JSON.stringify(join(here, 'process-tmp.ts'))};
      const a = await writeProcessTempFile('values.yaml', 'a: 1\\n');
      const b = await writeProcessTempFile('values.yaml', 'b: 2\\n');
      const { readFileSync } = await import('node:fs');
      console.log(JSON.stringify({ a, b, text: readFileSync(a, 'utf8') + readFileSync(b, 'utf8') }));
    `;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    const { a, b, text } = JSON.parse(out) as { a: string; b: string; text: string };
    expect(dirname(a)).toBe(dirname(b));
    expect(a).not.toBe(b);
    expect(text).toBe('a: 1\nb: 2\n');
    expect(existsSync(dirname(a))).toBe(false);
    expect(() => readFileSync(a)).toThrow();
  });
});
