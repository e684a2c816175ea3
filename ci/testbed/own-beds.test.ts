import { describe, expect, it } from '@jest/globals';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forgetBeds, ownBeds, ownBedsFile, rememberBed } from './own-beds.ts';
import { repoRoot } from '../lib/helm.ts';

describe("a checkout's own test beds", () => {
  it('live in the checkout, not in a file every checkout on the machine shares', () => {
    expect(ownBedsFile.startsWith(join(repoRoot, '.testbed'))).toBe(true);
  });

  it('are remembered and forgotten one by one; two lists never mix', async () => {
    const mine = join(await mkdtemp(join(tmpdir(), 'beds-')), 'beds');
    const theirs = join(await mkdtemp(join(tmpdir(), 'beds-')), 'beds');
    expect(await ownBeds(mine)).toEqual([]);
    await rememberBed('/tmp/onload-testbed-a', mine);
    await rememberBed('/tmp/onload-testbed-b', mine);
    await rememberBed('/tmp/onload-testbed-c', theirs);
    expect(await ownBeds(mine)).toEqual(['/tmp/onload-testbed-a', '/tmp/onload-testbed-b']);
    await forgetBeds(['/tmp/onload-testbed-a'], mine);
    expect(await ownBeds(mine)).toEqual(['/tmp/onload-testbed-b']);
    expect(await ownBeds(theirs)).toEqual(['/tmp/onload-testbed-c']);
  });
});
