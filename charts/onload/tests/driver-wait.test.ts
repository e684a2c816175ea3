// The init step of the device plugin and control plane pods waits until the loaded onload driver
// has the pod's userland version (docs/architecture.md). Runs the rendered script with sh against a fake
// /sys/module.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { container, daemonSet, podSpec } from './lib/manifests.ts';
import { render } from './lib/render.ts';

const lastWaitLine = `echo "onload driver $have matches this pod's userland"`;

async function waitScript(daemonSetName: string): Promise<{ script: string; version: string }> {
  const init = container(
    podSpec(daemonSet(await render({ variant: 'minimal' }), daemonSetName)),
    'init',
    true,
  );
  const full = init.command?.[2] ?? '';
  const end = full.indexOf(lastWaitLine);
  if (end < 0) throw new Error(`${daemonSetName}: init script has no driver wait`);
  const version = init.env?.find((e) => e.name === 'ONLOAD_VERSION')?.value ?? '';
  return { script: full.slice(0, end + lastWaitLine.length), version };
}

interface Running {
  readonly child: ChildProcessWithoutNullStreams;
  readonly output: () => string;
  readonly nextLine: () => Promise<string>;
  readonly exit: Promise<number | null>;
}

function start(script: string, env: Record<string, string>): Running {
  // Own process group, so that stopping it also stops its `sleep`.
  const child = spawn('sh', ['-c', script], {
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
  return { child, output: () => out, nextLine, exit };
}

describe.each(['onload-device-plugin', 'onload-control-plane'])(
  'driver version wait in %s',
  (dsName) => {
    let sys: string;
    let running: Running | undefined;

    beforeEach(async () => {
      sys = await mkdtemp(join(tmpdir(), 'sys-module-'));
    });
    afterEach(async () => {
      if (running?.child.pid !== undefined && running.child.exitCode === null)
        process.kill(-running.child.pid);
      await running?.exit;
      running = undefined;
      await rm(sys, { recursive: true, force: true });
    });

    const run = async (): Promise<{ version: string; run: Running }> => {
      const { script, version } = await waitScript(dsName);
      running = start(script.replaceAll('/host/sys/module', sys), { ONLOAD_VERSION: version });
      return { version, run: running };
    };
    const loadDriver = async (version: string): Promise<void> => {
      await mkdir(join(sys, 'onload'), { recursive: true });
      await writeFile(join(sys, 'onload', 'version'), `${version}\n`);
    };

    it('passes at once when the loaded driver has the userland version (trailing newline trimmed)', async () => {
      await loadDriver('8.1.2.26');
      const { run: r } = await run();
      expect(await r.exit).toBe(0);
      expect(r.output()).toBe("onload driver 8.1.2.26 matches this pod's userland\n");
    });

    it('waits, saying so, while no onload driver is loaded', async () => {
      const { run: r } = await run();
      expect(await r.nextLine()).toBe(
        "waiting: the onload driver is not loaded on this node, this pod's Onload userland is 8.1.2.26; the node's driver upgrade will load 8.1.2.26",
      );
    });

    it('waits while the old driver is loaded and goes on once the new one is', async () => {
      await loadDriver('8.1.1.17');
      const { run: r } = await run();
      expect(await r.nextLine()).toBe(
        "waiting: the loaded onload driver is 8.1.1.17, this pod's Onload userland is 8.1.2.26; the node's driver upgrade will load 8.1.2.26",
      );
      await loadDriver('8.1.2.26');
      expect(await r.nextLine()).toBe("onload driver 8.1.2.26 matches this pod's userland");
      expect(await r.exit).toBe(0);
    }, 20_000);
  },
);
