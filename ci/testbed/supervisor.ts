// Starts test-bed processes in their own process groups, logs each to <state>/logs/<name>.log,
// records their pids in <state>/pids (one per line) and stops them again.
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export function logPath(stateDir: string, name: string): string {
  return join(stateDir, 'logs', `${name}.log`);
}

/** Spawns `file args` detached (new process group) and returns its pid. */
export function startProcess(
  stateDir: string,
  name: string,
  file: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): number {
  mkdirSync(join(stateDir, 'logs'), { recursive: true });
  const log = openSync(logPath(stateDir, name), 'a');
  const child = spawn(file, args, { detached: true, stdio: ['ignore', log, log], env });
  if (child.pid === undefined) throw new Error(`could not start ${name} (${file})`);
  child.unref();
  appendFileSync(join(stateDir, 'pids'), `${child.pid}\n`);
  return child.pid;
}

/** Tears the test bed down if `ownerPid` dies first (see watchdog.sh). */
export function startWatchdog(stateDir: string, ownerPid: number): void {
  const child = spawn(
    'bash',
    [join(import.meta.dirname, 'watchdog.sh'), String(ownerPid), stateDir, process.execPath],
    {
      detached: true,
      stdio: 'ignore',
    },
  );
  child.unref();
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie (exited, its parent gone and not yet reaped by init) is not alive.
  try {
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

export function recordedPids(stateDir: string): number[] {
  const file = join(stateDir, 'pids');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);
}

export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** SIGTERM every recorded process group, then SIGKILL what is still alive after `graceMs`. */
export async function stopAll(stateDir: string, graceMs = 5000): Promise<void> {
  const pids = recordedPids(stateDir).reverse();
  for (const pid of pids) signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (pids.some(isAlive) && Date.now() < deadline) await sleep(100);
  for (const pid of pids.filter(isAlive)) signalGroup(pid, 'SIGKILL');
  while (pids.some(isAlive)) await sleep(50);
}

export function tailOfLog(stateDir: string, name: string, lines = 30): string {
  const file = logPath(stateDir, name);
  if (!existsSync(file)) return '(no log)';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}
