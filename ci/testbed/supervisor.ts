// Starts test-bed processes in their own process groups, logs each to <state>/logs/<name>.log,
// records them in <state>/pids (one `<pid> <start time>` per line) and stops them again. A pid
// alone does not name a process for long: the kernel hands it out again once the process is
// gone (pid_max is often 32768, which a test run's kubectl and helm calls go through), so a
// recorded process is only taken for ours while its start time matches.
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readStatFields } from '../lib/proc-stat.ts';
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
  const started = startTimeOf(child.pid) ?? 0;
  appendFileSync(join(stateDir, 'pids'), `${child.pid} ${started}\n`);
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

/** A process as started: its pid and its start time, which a later holder of the pid lacks. */
export interface ProcessId {
  readonly pid: number;
  /** Clock ticks after boot (field 22 of /proc/<pid>/stat). */
  readonly started: number;
}

function startTimeOf(pid: number): number | undefined {
  const started = Number(readStatFields(pid)?.[19]);
  return Number.isFinite(started) ? started : undefined;
}

/** The running process `pid` as a ProcessId (to tell it later from a process given its pid). */
export function processIdOf(pid: number): ProcessId | undefined {
  const started = startTimeOf(pid);
  return started === undefined ? undefined : { pid, started };
}

/** Whether `pid` runs (a zombie — exited, not yet reaped — does not). */
export function isAlive(pid: number): boolean {
  const state = readStatFields(pid)?.[0];
  return state !== undefined && state !== 'Z';
}

/** Whether the process `id` names still runs (not another one given its pid since). */
export function isRunning(id: ProcessId): boolean {
  return isAlive(id.pid) && startTimeOf(id.pid) === id.started;
}

/** Every process the bed recorded, running or not. */
export function recordedProcesses(stateDir: string): ProcessId[] {
  const file = join(stateDir, 'pids');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [pid = '', started = ''] = line.split(' ');
      return { pid: Number(pid), started: Number(started) };
    });
}

/** The pids of the bed's recorded processes that still run. */
export function recordedPids(stateDir: string): number[] {
  return recordedProcesses(stateDir)
    .filter(isRunning)
    .map((p) => p.pid);
}

/** Sends `signal` to `pid` (a negative pid: its process group) unless it is gone already. */
export function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  signalProcess(-pid, signal);
}

/** SIGTERM every recorded process group, then SIGKILL what is still alive after `graceMs`. */
export async function stopAll(stateDir: string, graceMs = 5000): Promise<void> {
  await stopProcesses(recordedProcesses(stateDir).reverse(), graceMs);
}

/** How long a process may outlive SIGKILL (it is in the kernel, e.g. on a slow unmount). */
const killWaitMs = 30_000;

function signalProcessAndGroup(pid: number, signal: NodeJS.Signals): void {
  signalGroup(pid, signal);
  signalProcess(pid, signal);
}

/**
 * SIGTERM each process and its group, SIGKILL what still runs after `graceMs`; throws naming any
 * process that outlives SIGKILL by `killWaitMs` rather than waiting for ever.
 */
export async function stopProcesses(ids: readonly ProcessId[], graceMs: number): Promise<void> {
  for (const { pid } of ids.filter(isRunning)) signalProcessAndGroup(pid, 'SIGTERM');
  const running = () => ids.filter(isRunning);
  const termDeadline = Date.now() + graceMs;
  while (running().length > 0 && Date.now() < termDeadline) await sleep(100);
  for (const { pid } of running()) signalProcessAndGroup(pid, 'SIGKILL');
  const killDeadline = Date.now() + killWaitMs;
  while (running().length > 0 && Date.now() < killDeadline) await sleep(50);
  const left = running().map(({ pid }) => `${pid} (state ${readStatFields(pid)?.[0] ?? '?'})`);
  if (left.length > 0)
    throw new Error(`still running ${killWaitMs / 1000} s after SIGKILL: ${left.join(', ')}`);
}

export function tailOfLog(stateDir: string, name: string, lines = 30): string {
  const file = logPath(stateDir, name);
  if (!existsSync(file)) return '(no log)';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}
