// Temporary files of one process (values files for helm, mostly) in one directory, removed when
// the process exits normally: test runs make thousands. A jest worker that jest ends leaves its
// directory (one per test file); `npm test` puts them all in its run directory (run-tmpdir.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let dir: string | undefined;
let written = 0;

/** Writes `content` to a new file `<n>-<name>` of this process's directory; its path. */
export async function writeProcessTempFile(name: string, content: string): Promise<string> {
  if (dir === undefined) {
    const made = mkdtempSync(join(tmpdir(), 'onload-values-'));
    dir = made;
    process.once('exit', () => {
      rmSync(made, { recursive: true, force: true });
    });
  }
  written += 1;
  const file = join(dir, `${written}-${name}`);
  await writeFile(file, content);
  return file;
}
