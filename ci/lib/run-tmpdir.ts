// One temporary directory for a whole `npm test` run: the runner points TMPDIR of every step at
// it and removes it at the end, so the files the tests make there (values files, rendered charts,
// bundles, beds' state) never pile up in the machine's /tmp. A directory something is still
// mounted under (a bed whose teardown failed) is left, named, rather than removed through.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mountPointsUnder } from '../testbed/realnode/host-state.ts';

export interface RunTmpdir {
  readonly path: string;
  /** Removes it; a message when it was left. Synchronous: it also runs on process exit. */
  remove(): string | undefined;
}

export function createRunTmpdir(prefix = 'onload-test-'): RunTmpdir {
  const path = mkdtempSync(join(tmpdir(), prefix));
  let removed = false;
  return {
    path,
    remove: () => {
      if (removed) return undefined;
      removed = true;
      const mounted = mountPointsUnder(readFileSync('/proc/self/mountinfo', 'utf8'), path);
      if (mounted.length > 0)
        return `left ${path}: still mounted under it: ${mounted.join(', ')} (unmount, then remove it)`;
      rmSync(path, { recursive: true, force: true });
      return undefined;
    },
  };
}
