import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  isRunning,
  processIdOf,
  recordedPids,
  recordedProcesses,
  startProcess,
  stopAll,
} from './supervisor.ts';

describe('the bed’s process records', () => {
  let stateDir: string;
  let bystander: ChildProcess | undefined;
  beforeEach(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'supervisor-'));
  });
  afterEach(async () => {
    bystander?.kill('SIGKILL');
    bystander = undefined;
    await rm(stateDir, { recursive: true, force: true });
  });

  it('records each process with its start time, and stopAll stops it', async () => {
    const pid = startProcess(stateDir, 'sleeper', 'sleep', ['60']);
    const [record] = recordedProcesses(stateDir);
    expect(record).toEqual(processIdOf(pid));
    expect(record?.started).toBeGreaterThan(0);
    expect(recordedPids(stateDir)).toEqual([pid]);

    await stopAll(stateDir, 1000);
    expect(record && isRunning(record)).toBe(false);
    expect(recordedPids(stateDir)).toEqual([]);
  });

  it('takes a recorded pid given to another process since for gone: stopAll neither signals it nor waits for it', async () => {
    bystander = spawn('sleep', ['60'], { stdio: 'ignore' });
    await once(bystander, 'spawn');
    const pid = bystander.pid ?? 0;
    const now = processIdOf(pid);
    expect(now).toBeDefined();
    // What the pids file holds after the bed's process exited and the kernel gave its pid out again.
    await writeFile(join(stateDir, 'pids'), `${pid} ${(now?.started ?? 0) - 1}\n`);
    expect(await readFile(join(stateDir, 'pids'), 'utf8')).toContain(String(pid));

    expect(recordedPids(stateDir)).toEqual([]);
    await stopAll(stateDir, 1000);
    expect(now && isRunning(now)).toBe(true);
    expect(bystander.exitCode).toBeNull();
  });
});
