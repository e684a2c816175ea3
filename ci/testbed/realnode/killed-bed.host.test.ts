// A bed with a real node that is killed mid-run leaves no host state behind: neither when its
// watchdog cleans up, nor when the watchdog dies too and the next `up` sweeps (sweep.ts). Two
// beds' real nodes run side by side; killing one leaves the other's node and pods alone, and the
// last one to go restores the state they share.
import { describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../../lib/process.ts';
import { progressTo } from '../../lib/progress.ts';
import { waitFor } from '../../lib/wait.ts';
import { binaryPath } from '../../tools/build.ts';
import { startCluster } from '../cluster.ts';
import { recordedPids } from '../supervisor.ts';
import { realNodeSlot } from './config.ts';
import { hostSnapshot } from './host-snapshot.ts';
import { sweepDeadRealNodes } from './sweep.ts';

const fixture = join(import.meta.dirname, 'hold-bed.ts');

function holdBed(): Promise<{ child: ChildProcess; stateDir: string }> {
  const child = spawn(process.execPath, [fixture], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const ready = /READY (\S+)/.exec(out);
      if (ready?.[1]) resolve({ child, stateDir: ready[1] });
    });
    child.on('exit', (code) => {
      reject(new Error(`hold-bed exited (${String(code)}) before it was ready:\n${out}`));
    });
  });
}

async function watchdogPids(stateDir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const argv = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0');
    if (argv.some((a) => a.endsWith('watchdog.sh')) && argv.includes(stateDir))
      pids.push(Number(entry));
  }
  return pids;
}

async function heldPodPhase(stateDir: string): Promise<string> {
  const { stdout } = await run(
    binaryPath('kubernetes', 'kubectl'),
    [
      '--kubeconfig',
      join(stateDir, 'admin.kubeconfig'),
      'get',
      'pod',
      'held',
      '-o',
      'jsonpath={.status.phase}',
    ],
    { allowFailure: true },
  );
  return stdout;
}

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone
  }
}

describe('a killed bed with a real node', () => {
  it('is cleaned up by its watchdog, leaving a second bed’s real node running', async () => {
    const before = await hostSnapshot();
    const [first, second] = await Promise.all([holdBed(), holdBed()]);
    const running = await hostSnapshot();
    expect(running.bridges).toEqual([realNodeSlot(0).bridgeName, realNodeSlot(1).bridgeName]);
    expect(running.hostRecords).toEqual([0, 1]);
    expect(running.nodeCgroups.length).toBeGreaterThan(0);
    expect(running.runtimeProcesses.length).toBeGreaterThan(0);
    await expect(
      startCluster({ nodes: 1, realNode: {}, progress: progressTo('third bed') }),
    ).rejects.toThrow('2 real nodes already run on this machine');

    first.child.kill('SIGKILL');
    await waitFor(
      'the watchdog to remove the first bed',
      () => Promise.resolve(!existsSync(first.stateDir)),
      { timeoutMs: 90_000, intervalMs: 500 },
    );
    const one = await hostSnapshot();
    expect(one.hostRecords).toHaveLength(1);
    expect(one.bridges).toHaveLength(1);
    expect(one.kubeChains).toEqual(running.kubeChains);
    expect(one.sysctls).toEqual(running.sysctls);
    expect(await heldPodPhase(second.stateDir)).toBe('Running');

    second.child.kill('SIGKILL');
    await waitFor(
      'the watchdog to remove the second bed',
      () => Promise.resolve(!existsSync(second.stateDir)),
      { timeoutMs: 90_000, intervalMs: 500 },
    );
    expect(await hostSnapshot()).toEqual(before);
  });

  it('is swept by the next up when its watchdog died too', async () => {
    const before = await hostSnapshot();
    const { child, stateDir } = await holdBed();
    for (const pid of await watchdogPids(stateDir)) kill(pid);
    child.kill('SIGKILL');
    // Everything of the bed dies at once (as in a killed session), leaving containers behind.
    for (const pid of recordedPids(stateDir)) kill(-pid);
    await waitFor(
      'the bed’s processes to die',
      () => Promise.resolve(recordedPids(stateDir).length === 0),
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect((await hostSnapshot()).bridges).toHaveLength(1);

    await sweepDeadRealNodes(progressTo('sweep'));
    expect(await hostSnapshot()).toEqual(before);
    await rm(stateDir, { recursive: true, force: true });
  });
});
