// Runs a rendered shell script with `sh -c` and reads its output line by line while it runs.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

export interface RunningScript {
  /** Everything printed on stdout so far. */
  readonly output: () => string;
  /** The next line printed on stdout (waits for it). */
  readonly nextLine: () => Promise<string>;
  /** The exit code, or null when killed. */
  readonly exit: Promise<number | null>;
  /** The exit code if the script ends within `ms`, else 'running'. */
  readonly exitWithin: (ms: number) => Promise<number | null | 'running'>;
  /** Stops the script and everything it started. */
  readonly stop: () => Promise<void>;
}

export function runScript(script: string, env: Record<string, string>): RunningScript {
  // Own process group, so that stopping it also stops its `sleep`.
  const child: ChildProcessWithoutNullStreams = spawn('sh', ['-c', script], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    detached: true,
  });
  let out = '';
  let consumed = 0;
  const waiters: (() => void)[] = [];
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    for (const w of waiters.splice(0)) w();
  });
  const exit = new Promise<number | null>((resolve) => child.on('close', resolve));
  const nextLine = async (): Promise<string> => {
    while (!out.slice(consumed).includes('\n')) await new Promise<void>((r) => waiters.push(r));
    const end = out.indexOf('\n', consumed);
    const line = out.slice(consumed, end);
    consumed = end + 1;
    return line;
  };
  const exitWithin = async (ms: number): Promise<number | null | 'running'> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'running'>((resolve) => {
      timer = setTimeout(() => {
        resolve('running');
      }, ms);
    });
    try {
      return await Promise.race([exit, late]);
    } finally {
      clearTimeout(timer);
    }
  };
  const stop = async (): Promise<void> => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid);
      } catch {
        // Ended meanwhile.
      }
    }
    await exit;
  };
  return { output: () => out, nextLine, exit, exitWithin, stop };
}
