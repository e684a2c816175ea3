// One build of a tool at a time on this machine. A lock file beside the tool's cache entry names
// the process building it; any other caller, in another process or in the same one (jest gives
// each test file its own module registry), waits for that build instead of starting its own.
import { open, readFile, rm, stat } from 'node:fs/promises';

export interface LockDeps {
  readonly pid: number;
  alive(pid: number): boolean;
  sleep(ms: number): Promise<void>;
  now(): number;
}

const defaultDeps: LockDeps = {
  pid: process.pid,
  alive(pid) {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  },
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  now: () => Date.now(),
};

/** A lock older than this is left over from a process whose pid was reused. */
const staleAfterMs = 3 * 60 * 60 * 1000;
const pollMs = 2000;

/**
 * Runs `build` holding the lock at `lockPath`, unless `done()` turns true while another process
 * holds it (then resolves without building). `onWait` is told once who is being waited for.
 */
export async function withBuildLock(
  lockPath: string,
  done: () => boolean,
  build: () => Promise<void>,
  onWait: (holderPid: number) => void,
  deps: LockDeps = defaultDeps,
): Promise<void> {
  let told = false;
  for (;;) {
    const handle = await open(lockPath, 'wx').catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
      throw error;
    });
    if (handle) {
      try {
        await handle.writeFile(String(deps.pid));
        await handle.close();
        await build();
      } finally {
        await rm(lockPath, { force: true });
      }
      return;
    }
    const holder = Number((await readFile(lockPath, 'utf8').catch(() => '')).trim());
    const age = deps.now() - ((await stat(lockPath).catch(() => undefined))?.mtimeMs ?? deps.now());
    if (!Number.isInteger(holder) || holder <= 0 || !deps.alive(holder) || age > staleAfterMs) {
      await rm(lockPath, { force: true });
      continue;
    }
    if (!told) onWait(holder);
    told = true;
    await deps.sleep(pollMs);
    if (done()) return;
  }
}

/** Runs `action` while no other process (or caller) runs one under the same lock file. */
export async function withLock(
  lockPath: string,
  action: () => Promise<void>,
  onWait: (holderPid: number) => void = () => undefined,
): Promise<void> {
  await withBuildLock(lockPath, () => false, action, onWait);
}
