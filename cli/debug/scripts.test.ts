// The report scripts run with sh against a fake node in a temporary directory: a host root whose
// Onload tools, dmesg and sfreport are small scripts printing recognisable text, and fake /proc
// and /sys trees.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { chmod, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runScript, type RunningScript } from '../../charts/onload/tests/lib/shell.ts';
import { onloadReportScript, sfcReportScript } from './scripts.ts';

interface Fake {
  readonly root: string;
  readonly host: string;
  readonly proc: string;
  readonly sys: string;
  readonly work: string;
  readonly file: (path: string, body: string) => Promise<void>;
  readonly program: (path: string, body: string) => Promise<void>;
}

async function fakeNode(): Promise<Fake> {
  const root = await mkdtemp(join(tmpdir(), 'debug-report-'));
  const host = join(root, 'host');
  const file = async (path: string, body: string): Promise<void> => {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), body);
  };
  const program = async (path: string, body: string): Promise<void> => {
    await file(path, `#!/bin/sh\n${body}\n`);
    await chmod(join(root, path), 0o755);
  };
  await mkdir(join(root, 'work'), { recursive: true });
  return {
    root,
    host,
    proc: join(root, 'proc'),
    sys: join(root, 'sys'),
    work: join(root, 'work'),
    file,
    program,
  };
}

const bin = 'host/opt/onload/usr/bin';

/** A node with Onload loaded and every tool present. */
async function healthyNode(f: Fake): Promise<void> {
  await f.program(
    `${bin}/onload`,
    '[ "$1" = --version ] || exit 2\necho "FAKE onload --version: Onload 9.0.1.2 preload=$ONLOAD_PRELOAD"',
  );
  await f.program(
    'host/opt/onload/usr/lib64/libonload.so',
    'echo "FAKE libonload: Onload 9.0.1.2"',
  );
  await f.program(`${bin}/onload_stackdump`, 'echo "FAKE stackdump $1"');
  await f.program(`${bin}/orm_json`, 'printf \'{"FAKE":"orm_json"}\'');
  await f.program(
    'host/usr/bin/dmesg',
    [
      "echo '[    1.0] onload: Onload 9.0.1.2 loaded'",
      "echo '[    2.0] sfc 0000:01:00.0: Solarflare NIC detected'",
      "echo '[    3.0] usb 1-1: new high-speed USB device'",
    ].join('\n'),
  );
  await f.file('proc/sys/kernel/hostname', 'worker-7\n');
  await f.file('proc/driver/onload/version', 'onload_version: 9.0.1.2\n');
  await f.file('proc/driver/onload/stacks', 'FAKE stacks: 1 stack\n');
  await f.file('proc/driver/sfc_resource/nics', 'FAKE sfc_resource nics\n');
  await f.file('proc/meminfo', 'MemTotal: 100 kB\nHugePages_Total: 64\nHugepagesize: 2048 kB\n');
  await f.file('sys/module/onload/version', '9.0.1.2\n');
  await f.file('sys/module/sfc/version', '6.0.1.1000\n');
  await f.file('sys/module/onload/parameters/oo_debug_bits', '1\n');
  await f.file('sys/devices/pci0000:00/0000:01:00.0/vendor', '0x1924\n');
  await mkdir(join(f.root, 'sys/bus/pci/drivers/sfc'), { recursive: true });
  await symlink(
    '../../../../bus/pci/drivers/sfc',
    join(f.root, 'sys/devices/pci0000:00/0000:01:00.0/driver'),
  );
  await f.file('sys/class/net/eth0/operstate', 'up\n');
  await f.file('sys/class/net/eth0/address', '00:0f:53:00:00:01\n');
  await symlink(
    '../../../devices/pci0000:00/0000:01:00.0',
    join(f.root, 'sys/class/net/eth0/device'),
  );
}

function env(f: Fake, extra: Record<string, string> = {}): Record<string, string> {
  return {
    HOST_ROOT: f.host,
    PROC_ROOT: f.proc,
    SYS_ROOT: f.sys,
    ONLOAD_PATH: '/opt/onload/',
    COMMAND_TIMEOUT: '5',
    HOST_EXEC: 'direct',
    ...extra,
  };
}

/** The sections of a report, by heading, each with its lines. */
function sections(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string[] = [];
  for (const line of text.split('\n')) {
    const heading = /^===== (.*) =====$/.exec(line);
    if (heading) {
      current = [];
      out.set(heading[1] ?? '', current);
    } else current.push(line);
  }
  return out;
}

describe('report scripts', () => {
  let f: Fake;
  let running: RunningScript | undefined;
  beforeEach(async () => {
    f = await fakeNode();
  });
  afterEach(async () => {
    await running?.stop();
    running = undefined;
    await rm(f.root, { recursive: true, force: true });
  });

  const run = async (
    script: string,
    extra: Record<string, string> = {},
    ms = 20_000,
  ): Promise<{ code: number | null | 'running'; text: string; shown: string }> => {
    running = runScript(script, env(f, extra));
    const code = await running.exitWithin(ms);
    const text = running.output();
    return { code, text, shown: text.replaceAll(f.root, '<root>') };
  };

  describe('Onload report', () => {
    it('has every section, with what each source says', async () => {
      await healthyNode(f);
      const { code, text, shown } = await run(onloadReportScript);
      expect(code).toBe(0);
      const s = sections(shown);
      expect([...s.keys()]).toEqual([
        'Onload troubleshooting report',
        'Loaded drivers',
        'Onload userland version (host)',
        '/proc/driver/onload',
        '/proc/driver/sfc_resource',
        'onload module parameters',
        'Huge pages (<root>/proc/meminfo)',
        'Network interfaces (driver, PCI device, state, address)',
        'Kernel log lines mentioning onload, sfc or efx',
        'onload_stackdump stacks',
        'onload_stackdump processes',
        'onload_stackdump env',
        'onload_stackdump threads',
        'onload_stackdump netstat',
        'onload_stackdump lots',
        'onload_stackdump filters',
        'onload_stackdump filter_table',
        'orm_json',
        'End of report',
      ]);
      expect(s.get('Onload troubleshooting report')).toContain('node: worker-7');
      expect(s.get('Loaded drivers')).toEqual(expect.arrayContaining(['9.0.1.2', '6.0.1.1000']));
      expect(s.get('Onload userland version (host)')).toEqual(
        expect.arrayContaining([
          'FAKE onload --version: Onload 9.0.1.2 preload=<root>/host/opt/onload/usr/lib64/libonload.so',
          'FAKE libonload: Onload 9.0.1.2',
        ]),
      );
      expect(s.get('/proc/driver/onload')).toEqual(
        expect.arrayContaining(['FAKE stacks: 1 stack', 'onload_version: 9.0.1.2']),
      );
      expect(s.get('/proc/driver/sfc_resource')).toContain('FAKE sfc_resource nics');
      expect(s.get('onload module parameters')).toContain('oo_debug_bits = 1');
      expect(s.get('Huge pages (<root>/proc/meminfo)')).toEqual([
        'HugePages_Total: 64',
        'Hugepagesize: 2048 kB',
        '',
      ]);
      expect(s.get('Network interfaces (driver, PCI device, state, address)')).toContain(
        'eth0 driver=sfc device=0000:01:00.0 state=up address=00:0f:53:00:00:01',
      );
      const kernel = s.get('Kernel log lines mentioning onload, sfc or efx') ?? [];
      expect(kernel).toEqual(
        expect.arrayContaining([
          '[    1.0] onload: Onload 9.0.1.2 loaded',
          '[    2.0] sfc 0000:01:00.0: Solarflare NIC detected',
        ]),
      );
      expect(kernel.join('\n')).not.toContain('usb');
      expect(s.get('onload_stackdump lots')).toContain('FAKE stackdump lots');
      expect(s.get('onload_stackdump filter_table')).toContain('FAKE stackdump filter_table');
      expect(s.get('orm_json')).toContain('{"FAKE":"orm_json"}');
      expect(text).not.toMatch(/not found|failed|timed out|cannot/);
    });

    it('reports a missing tool as a line and goes on with the next section', async () => {
      await healthyNode(f);
      await rm(join(f.root, bin, 'onload_stackdump'));
      const { code, shown } = await run(onloadReportScript);
      expect(code).toBe(0);
      const s = sections(shown);
      expect(s.get('onload_stackdump lots')).toContain(
        'onload_stackdump: not found under <root>/host/opt/onload/usr/bin',
      );
      expect(s.get('orm_json')).toContain('{"FAKE":"orm_json"}');
      expect(s.has('End of report')).toBe(true);
    });

    it('reports a failing tool with its exit status and goes on', async () => {
      await healthyNode(f);
      await f.program(`${bin}/orm_json`, 'echo "orm_json: cannot open /dev/onload" >&2\nexit 3');
      const { code, shown } = await run(onloadReportScript);
      expect(code).toBe(0);
      expect(sections(shown).get('orm_json')).toEqual(
        expect.arrayContaining([
          'orm_json: cannot open /dev/onload',
          'orm_json: failed (exit status 3)',
        ]),
      );
    });

    it('cuts a hanging tool at the time limit and goes on', async () => {
      await healthyNode(f);
      await f.program(
        `${bin}/onload_stackdump`,
        '[ "$1" = lots ] && exec sleep 60\necho "FAKE stackdump $1"',
      );
      const started = Date.now();
      const { code, shown } = await run(onloadReportScript, { COMMAND_TIMEOUT: '1' });
      expect(code).toBe(0);
      expect(Date.now() - started).toBeLessThan(15_000);
      const s = sections(shown);
      expect(s.get('onload_stackdump lots')).toContain(
        'onload_stackdump lots: timed out after 1 s',
      );
      expect(s.get('onload_stackdump filters')).toContain('FAKE stackdump filters');
      expect(s.get('orm_json')).toContain('{"FAKE":"orm_json"}');
    });

    it('says what is missing on a node without Onload and still exits 0 when something was read', async () => {
      await f.file('proc/meminfo', 'HugePages_Total: 0\n');
      const { code, shown } = await run(onloadReportScript);
      expect(code).toBe(0);
      const s = sections(shown);
      expect(s.get('Loaded drivers')).toEqual(
        expect.arrayContaining([
          '<root>/sys/module/onload/version: not present',
          'the onload driver is not loaded',
        ]),
      );
      expect(s.get('/proc/driver/onload')).toContain(
        '<root>/proc/driver/onload: not present (is the onload driver loaded?)',
      );
      expect(s.get('Kernel log lines mentioning onload, sfc or efx')).toContain(
        'dmesg: not found under <root>/host (looked in /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin)',
      );
      expect(s.get('orm_json')).toContain(
        'orm_json: not found under <root>/host/opt/onload/usr/bin',
      );
    });

    it('exits 1 when nothing at all could be read', async () => {
      const { code, shown } = await run(onloadReportScript);
      expect(code).toBe(1);
      expect(sections(shown).get('End of report')).toContain('nothing could be read on this node');
    });

    it("runs an ELF tool through the host's dynamic loader and libraries in loader mode", async () => {
      await healthyNode(f);
      // A stand-in ELF file: the magic number, then shell lines the fake loader runs.
      await f.file(`${bin}/orm_json`, '\x7fELF\necho "FAKE elf orm_json $*"\n');
      await chmod(join(f.root, bin, 'orm_json'), 0o755);
      const loaderBody =
        'echo "FAKE loader $1 $2 $3"\nshift 3\nprogram=$1\nshift\ntail -c +5 "$program" | sh -s -- "$@"';
      for (const loader of [
        'lib64/ld-linux-x86-64.so.2',
        'lib/ld-linux-aarch64.so.1',
        'lib64/ld64.so.2',
      ])
        await f.program(`host/${loader}`, loaderBody);
      await mkdir(join(f.host, 'usr/lib64'), { recursive: true });
      const { code, shown } = await run(onloadReportScript, { HOST_EXEC: 'loader' });
      expect(code).toBe(0);
      const orm = sections(shown).get('orm_json') ?? [];
      expect(orm[0]).toMatch(
        /^FAKE loader --inhibit-cache --library-path <root>\/host\/lib64:<root>\/host\/usr\/lib64$/,
      );
      expect(orm).toContain('FAKE elf orm_json ');
      // Scripts run as they are.
      expect(sections(shown).get('onload_stackdump lots')).toEqual(['FAKE stackdump lots', '']);
    });
  });

  describe('sfc report', () => {
    const sfreport =
      'echo "FAKE sfreport running in $(pwd)"\nprintf "<html>FAKE sfreport of worker-7</html>\\n" > sfreport-worker-7.html';

    it("runs the host's sfreport in the work directory and prints what it wrote", async () => {
      await healthyNode(f);
      await f.program('host/usr/sbin/sfreport', sfreport);
      const { code, shown } = await run(sfcReportScript, {
        SFREPORT_FROM: 'host',
        WORK_DIR: f.work,
      });
      expect(code).toBe(0);
      const s = sections(shown);
      expect([...s.keys()]).toEqual([
        'sfc troubleshooting report',
        'Loaded drivers',
        'Network interfaces (driver, PCI device, state, address)',
        'Kernel log lines mentioning onload, sfc or efx',
        'sfreport',
        'sfreport output file sfreport-worker-7.html',
        'End of report',
      ]);
      expect(s.get('sfreport')).toEqual(
        expect.arrayContaining([
          'sfreport from the host (/usr/sbin/sfreport), output in <root>/work',
          'FAKE sfreport running in <root>/work',
        ]),
      );
      expect(s.get('sfreport output file sfreport-worker-7.html')).toContain(
        '<html>FAKE sfreport of worker-7</html>',
      );
    });

    it("runs the image's sfreport when it comes from diagnostics.sfc.image", async () => {
      await healthyNode(f);
      await f.program('image/bin/sfreport', sfreport);
      const { code, shown } = await run(sfcReportScript, {
        SFREPORT_FROM: 'image',
        WORK_DIR: f.work,
        PATH: `${join(f.root, 'image/bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      });
      expect(code).toBe(0);
      const s = sections(shown);
      expect(s.get('sfreport')).toEqual(
        expect.arrayContaining([
          'sfreport from this image (<root>/image/bin/sfreport), output in <root>/work',
          'FAKE sfreport running in <root>/work',
        ]),
      );
      expect(s.get('sfreport output file sfreport-worker-7.html')).toContain(
        '<html>FAKE sfreport of worker-7</html>',
      );
    });

    it('says where sfreport was looked for when the host has none, and goes on', async () => {
      await healthyNode(f);
      const { code, shown } = await run(sfcReportScript, {
        SFREPORT_FROM: 'host',
        WORK_DIR: f.work,
      });
      expect(code).toBe(0);
      const s = sections(shown);
      expect(s.get('sfreport')).toContain(
        "sfreport: not found under <root>/host (looked for sfreport and sfreport.pl in /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin); install AMD's sfutils on the node or set diagnostics.sfc.image",
      );
      expect(s.get('Loaded drivers')).toContain('6.0.1.1000');
      expect(s.has('End of report')).toBe(true);
      expect(await readdir(f.work)).toEqual([]);
    });

    it('cuts a hanging sfreport at the time limit', async () => {
      await healthyNode(f);
      await f.program('host/usr/bin/sfreport', 'exec sleep 60');
      const { code, shown } = await run(sfcReportScript, {
        SFREPORT_FROM: 'host',
        WORK_DIR: f.work,
        COMMAND_TIMEOUT: '1',
      });
      expect(code).toBe(0);
      expect(sections(shown).get('sfreport')).toContain('sfreport: timed out after 1 s');
    });
  });
});
