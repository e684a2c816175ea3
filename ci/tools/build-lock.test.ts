import { describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withBuildLock, type LockDeps } from './build-lock.ts';

async function lockPath(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'build-lock-')), 'tool.lock');
}

function deps(alivePids: readonly number[], onSleep: () => void = () => undefined): LockDeps {
  return {
    pid: 100,
    alive: (pid) => alivePids.includes(pid),
    sleep: () => {
      onSleep();
      return Promise.resolve();
    },
    now: () => Date.now(),
  };
}

describe('withBuildLock', () => {
  it('builds holding the lock, naming itself in it, and removes it afterwards', async () => {
    const path = await lockPath();
    let seenInside = '';
    await withBuildLock(
      path,
      () => false,
      async () => {
        seenInside = await readFile(path, 'utf8');
      },
      () => undefined,
      deps([]),
    );
    expect(seenInside).toBe('100');
    expect(existsSync(path)).toBe(false);
  });

  it('waits for a live holder and does not build once its build is done', async () => {
    const path = await lockPath();
    await writeFile(path, '4242');
    let polls = 0;
    let built = false;
    const waitedFor: number[] = [];
    await withBuildLock(
      path,
      () => polls >= 3,
      () => {
        built = true;
        return Promise.resolve();
      },
      (pid) => waitedFor.push(pid),
      deps([4242], () => polls++),
    );
    expect(built).toBe(false);
    expect(polls).toBe(3);
    expect(waitedFor).toEqual([4242]);
  });

  it('takes over the lock of a process that is gone, and builds', async () => {
    const path = await lockPath();
    await writeFile(path, '4242');
    let built = false;
    await withBuildLock(
      path,
      () => false,
      () => {
        built = true;
        return Promise.resolve();
      },
      () => undefined,
      deps([]),
    );
    expect(built).toBe(true);
    expect(existsSync(path)).toBe(false);
  });

  it('removes the lock when the build fails, and passes the failure on', async () => {
    const path = await lockPath();
    await expect(
      withBuildLock(
        path,
        () => false,
        () => Promise.reject(new Error('go build failed')),
        () => undefined,
        deps([]),
      ),
    ).rejects.toThrow('go build failed');
    expect(existsSync(path)).toBe(false);
  });
});
