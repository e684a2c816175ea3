// The init step of the device plugin and control plane pods waits until the loaded onload driver
// reports the version of the pod's userland, as the userland itself reports it
// (docs/architecture.md). Runs the rendered script with sh against a fake /sys/module and a fake
// /opt/onload whose libonload.so and onload_cp_server are scripts printing what the real ones do.
import { afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  cpServer,
  cpServerSays,
  fakeNode,
  libonload,
  librarySays,
  renderedWait,
  type FakeNode,
  type RenderedWait,
} from './lib/driver-wait.ts';
import type { RunningScript } from './lib/shell.ts';

const versionReadyLabel = 'kmm.node.kubernetes.io/onload-system.onload.version.ready';

describe.each(['onload-device-plugin', 'onload-control-plane'])(
  'driver version wait in %s',
  (dsName) => {
    let rendered: RenderedWait;
    let fake: FakeNode;
    let running: RunningScript | undefined;

    beforeAll(async () => {
      rendered = await renderedWait(dsName);
    });
    beforeEach(async () => {
      fake = await fakeNode();
    });
    afterEach(async () => {
      await running?.stop();
      running = undefined;
      await fake.remove();
    });

    const program = (path: string, body: string, mode?: number): Promise<void> =>
      fake.program(path, body, mode);
    const loadDriver = (reports: string): Promise<void> => fake.loadDriver(reports);
    const start = (): RunningScript => {
      running = fake.run(rendered);
      return running;
    };
    const line = async (r: RunningScript): Promise<string> => fake.shown(await r.nextLine());
    const lines = (r: RunningScript): string[] => fake.shown(r.output()).split('\n').slice(0, -1);

    it('passes at once when the driver reports what libonload.so reports, padding ignored', async () => {
      await program(libonload, librarySays('8.1.2.26 '));
      await loadDriver('8.1.2.26 ');
      const r = start();
      expect(await r.exitWithin(3000)).toBe(0);
      expect(lines(r)).toEqual([
        `this pod's Onload userland reports 8.1.2.26 (${libonload})`,
        "onload driver 8.1.2.26 matches this pod's userland",
      ]);
    });

    it('passes when driver and userland are one build whose version is not onload.version', async () => {
      await program(libonload, librarySays('0123abcd 20260201 master'));
      await loadDriver('0123abcd 20260201 master ');
      const r = start();
      expect(await r.exitWithin(3000)).toBe(0);
      expect(lines(r)).toEqual([
        `this pod's Onload userland reports 0123abcd 20260201 master (${libonload}), not onload.version 8.1.2.26: fine if 8.1.2.26 names this build; the driver must report 0123abcd 20260201 master`,
        "onload driver 0123abcd 20260201 master matches this pod's userland",
      ]);
    });

    it('waits, saying so, while no onload driver is loaded', async () => {
      await program(libonload, librarySays('8.1.2.26'));
      const r = start();
      await line(r);
      expect(await line(r)).toBe(
        "waiting: the onload driver is not loaded on this node; this pod's Onload userland reports 8.1.2.26",
      );
      expect(await r.exitWithin(500)).toBe('running');
    });

    it('waits while the old driver is loaded and goes on once the new one is', async () => {
      await program(libonload, librarySays('8.1.2.26'));
      await loadDriver('8.1.1.17');
      const r = start();
      await line(r);
      expect(await line(r)).toBe(
        `waiting: the loaded onload driver reports 8.1.1.17; this pod's Onload userland reports 8.1.2.26. They match once this node loads the driver of the same Onload build; if it already runs onload.version 8.1.2.26 (node label ${versionReadyLabel}=8.1.2.26), they never will: onload.userImage and the kernel-module images are different Onload builds`,
      );
      await loadDriver('8.1.2.26');
      expect(await line(r)).toBe("onload driver 8.1.2.26 matches this pod's userland");
      expect(await r.exitWithin(3000)).toBe(0);
    });

    it('keeps waiting when the driver reports onload.version but the userland is another build', async () => {
      await program(libonload, librarySays('8.1.1.17'));
      await loadDriver('8.1.2.26');
      const r = start();
      expect(await line(r)).toBe(
        `this pod's Onload userland reports 8.1.1.17 (${libonload}), not onload.version 8.1.2.26: fine if 8.1.2.26 names this build; the driver must report 8.1.1.17`,
      );
      expect(await line(r)).toBe(
        `waiting: the loaded onload driver reports 8.1.2.26; this pod's Onload userland reports 8.1.1.17. They match once this node loads the driver of the same Onload build; if it already runs onload.version 8.1.2.26 (node label ${versionReadyLabel}=8.1.2.26), they never will: onload.userImage and the kernel-module images are different Onload builds`,
      );
      expect(await r.exitWithin(500)).toBe('running');
    });

    it('reads onload_cp_server --version when libonload.so cannot run', async () => {
      await program(libonload, 'exit 3');
      await program(cpServer, cpServerSays('8.1.2.26'));
      await loadDriver('8.1.2.26');
      const r = start();
      expect(await r.exitWithin(3000)).toBe(0);
      expect(lines(r)).toEqual([
        `this pod's Onload userland reports 8.1.2.26 (${cpServer} --version)`,
        "onload driver 8.1.2.26 matches this pod's userland",
      ]);
    });

    it('says why it cannot read the userland version and compares with onload.version instead', async () => {
      await program(libonload, librarySays('8.1.2.26'), 0o644);
      await program(cpServer, 'exit 0');
      await loadDriver('8.1.2.26');
      const r = start();
      expect(await r.exitWithin(3000)).toBe(0);
      expect(lines(r)).toEqual([
        `cannot read the version of this pod's Onload userland (${libonload}: not executable; ${cpServer} --version: printed no version); comparing the driver with onload.version 8.1.2.26 instead`,
        'onload driver 8.1.2.26 matches onload.version',
      ]);
    });

    it('waits on another driver when it compares with onload.version, naming what it cannot read', async () => {
      await program(libonload, 'exit 3');
      await loadDriver('8.1.1.17');
      const r = start();
      expect(await line(r)).toBe(
        `cannot read the version of this pod's Onload userland (${libonload}: exit status 3; ${cpServer}: not found); comparing the driver with onload.version 8.1.2.26 instead`,
      );
      expect(await line(r)).toBe(
        `waiting: the loaded onload driver reports 8.1.1.17; onload.version is 8.1.2.26. They match once this node loads the driver of the same Onload build; if it already runs onload.version 8.1.2.26 (node label ${versionReadyLabel}=8.1.2.26), they never will: the driver does not report onload.version and this pod's userland cannot tell its own version`,
      );
      expect(await r.exitWithin(500)).toBe('running');
    });
  },
);
