// The sfptpd exporter end to end, in process: its /metrics over HTTP (port 0), reading a fake
// sfptpd that serves HTTP on a real Unix socket in a temp dir, and a JSON-lines file appended to
// while it runs; auto mode falling back and switching; garbage counted, never a crash.
import { afterEach, describe, expect, it } from '@jest/globals';
import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { metricsPaths } from '../contract.ts';
import { createLogger, memorySink } from '../log/logger.ts';
import { find, parseExposition, value, type Exposition } from '../testing/exposition.ts';
import { sfptpdExporterRoutes } from './exporter-routes.ts';
import { startMetricsServer, type MetricsServer } from './http.ts';
import { SfptpdExporter, type SfptpdSourceMode } from './sfptpd-exporter.ts';
import { sfptpdFamilies as f } from './sfptpd-registry.ts';

const fixture = (name: string): Promise<string> =>
  readFile(join(import.meta.dirname, 'fixtures', name), 'utf8');

/** sfptpd's snapshot time in the OpenMetrics fixtures. */
const omTime = 1767225600.25;
/** 2026-01-01 00:00:00 local time: the JSON-lines times. */
const jsonT0 = new Date(2026, 0, 1).getTime();

function localTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}000`;
}

function jsonLine(sync: string, ms: number, inSync: boolean, offsetNs = 10): string {
  return `${JSON.stringify({
    instance: sync,
    time: localTime(ms),
    'clock-master': { name: 'gm' },
    'clock-slave': { name: 'phc0(ens1f0)', 'primary-interface': 'ens1f0' },
    'is-disciplining': true,
    'in-sync': inSync,
    alarms: inSync ? [] : ['no-sync-pkts'],
    stats: {
      offset: offsetNs,
      'freq-adj': 1.5,
      'one-way-delay': 800,
      'active-interface': 'ens1f0',
    },
  })}\n`;
}

interface FakeSfptpd {
  status: number;
  body: string;
  hang: boolean;
  readonly requests: string[];
  readonly server: Server;
}

async function fakeSfptpd(socketPath: string, body: string): Promise<FakeSfptpd> {
  const fake: Omit<FakeSfptpd, 'server'> = { status: 200, body, hang: false, requests: [] };
  const server = createServer((req, res) => {
    fake.requests.push(`${req.method ?? ''} ${req.url ?? ''}`);
    if (fake.hang) return;
    res.writeHead(fake.status, {
      'Content-Type': 'application/openmetrics-text; version=1.0.0; charset=utf-8',
    });
    res.end(fake.body);
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return Object.assign(fake, { server });
}

interface Bed {
  readonly dir: string;
  readonly socket: string;
  readonly jsonFile: string;
  readonly lines: string[];
  now: number;
  scrape(): Promise<Exposition>;
  fake?: FakeSfptpd;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function bed(mode: SfptpdSourceMode, over: { jsonMaxBytes?: number } = {}): Promise<Bed> {
  const dir = await mkdtemp(join(tmpdir(), 'sfptpd-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const sink = memorySink();
  const state = { now: omTime * 1000 + 1000 };
  const exporter = new SfptpdExporter({
    mode,
    socketPath: join(dir, 'metrics.sock'),
    jsonStatsPath: join(dir, 'stats.jsonl'),
    jsonMaxBytes: over.jsonMaxBytes ?? 1 << 20,
    staleSeconds: 60,
    timeoutMs: 500,
    nodeName: 'worker-1',
    log: createLogger({ level: 'info', sink }),
    now: () => state.now,
  });
  const server: MetricsServer = await startMetricsServer({
    port: 0,
    host: '127.0.0.1',
    log: createLogger({ level: 'info', sink }),
    routes: sfptpdExporterRoutes(exporter),
  });
  cleanups.push(() => server.close());
  const b: Bed = {
    dir,
    socket: join(dir, 'metrics.sock'),
    jsonFile: join(dir, 'stats.jsonl'),
    lines: sink.lines,
    get now() {
      return state.now;
    },
    set now(v: number) {
      state.now = v;
    },
    scrape: async () => {
      const res = await fetch(`http://127.0.0.1:${server.port}${metricsPaths.metrics}`);
      expect(res.status).toBe(200);
      return parseExposition(await res.text());
    },
  };
  return b;
}

async function withFake(b: Bed, body: string): Promise<FakeSfptpd> {
  const fake = await fakeSfptpd(b.socket, body);
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        fake.server.close(() => {
          resolve();
        });
        fake.server.closeAllConnections();
      }),
  );
  b.fake = fake;
  return fake;
}

const errors = (e: Exposition, source: string, reason: string): number =>
  value(e, f.errors, { source, reason });

describe('sfptpd exporter, OpenMetrics source', () => {
  it("serves sfptpd's state read from /peek/metrics on its Unix socket, never draining it", async () => {
    const b = await bed('openmetrics');
    const fake = await withFake(b, await fixture('sfptpd-openmetrics-2-instances.txt'));
    const e = await b.scrape();
    expect(value(e, f.up, { node: 'worker-1' })).toBe(1);
    expect(value(e, f.source, { source: 'openmetrics' })).toBe(1);
    expect(value(e, f.inSync, { node: 'worker-1', sync: 'ptp1' })).toBe(1);
    expect(value(e, f.offset, { sync: 'ptp1' })).toBe(-12.5e-9);
    expect(value(e, f.offset, { sync: 'ptp2' })).toBe(300e-9);
    expect(value(e, f.lastUpdate, { sync: 'ptp1' })).toBe(omTime);
    await b.scrape();
    expect(fake.requests).toEqual(['GET /peek/metrics', 'GET /peek/metrics']);
    expect(b.lines.some((l) => l.includes('reading sfptpd from its OpenMetrics socket'))).toBe(
      true,
    );
  });

  it('shows an instance not in sync once sfptpd has not reported it for staleSeconds', async () => {
    const b = await bed('openmetrics');
    await withFake(b, await fixture('sfptpd-openmetrics-2-instances.txt'));
    b.now = (omTime + 61) * 1000;
    const e = await b.scrape();
    expect(value(e, f.up)).toBe(1);
    expect(value(e, f.inSync, { sync: 'ptp1' })).toBe(0);
    expect(value(e, f.stale, { sync: 'ptp1' })).toBe(1);
    expect(find(e, f.offset)).toEqual([]);
  });

  it('counts a missing socket, an error status, garbage and a hung sfptpd; serves no instance then', async () => {
    const b = await bed('openmetrics');
    let e = await b.scrape();
    expect(value(e, f.up)).toBe(0);
    expect(errors(e, 'openmetrics', 'unreachable')).toBe(1);
    const fake = await withFake(b, await fixture('sfptpd-openmetrics-2-instances.txt'));
    expect(value(await b.scrape(), f.inSync, { sync: 'ptp1' })).toBe(1);
    fake.status = 500;
    e = await b.scrape();
    expect(errors(e, 'openmetrics', 'status')).toBe(1);
    expect(value(e, f.up)).toBe(0);
    expect(find(e, f.inSync)).toEqual([]);
    fake.status = 200;
    fake.body = 'garbage\n\u0000\u0001{{{\n';
    e = await b.scrape();
    expect(errors(e, 'openmetrics', 'malformed')).toBe(1);
    expect(value(e, f.up)).toBe(0);
    fake.hang = true;
    e = await b.scrape();
    expect(errors(e, 'openmetrics', 'unreachable')).toBe(2);
    fake.hang = false;
    fake.body = await fixture('sfptpd-openmetrics-prefixed-alarms.txt');
    e = await b.scrape();
    expect(value(e, f.up)).toBe(1);
    expect(value(e, f.alarms, { sync: 'ptp1' })).toBe(2);
    expect(b.lines.filter((l) => l.includes('cannot read sfptpd'))).toHaveLength(2);
  });
});

describe('sfptpd exporter, JSON-lines source', () => {
  it('follows the file while sfptpd appends to it, whole lines only', async () => {
    const b = await bed('json');
    b.now = jsonT0 + 5000;
    await writeFile(b.jsonFile, jsonLine('ptp1', jsonT0, true, 10));
    let e = await b.scrape();
    expect(value(e, f.up)).toBe(1);
    expect(value(e, f.source, { source: 'json' })).toBe(1);
    expect(value(e, f.inSync, { sync: 'ptp1' })).toBe(1);
    expect(value(e, f.offset, { sync: 'ptp1' })).toBe(10e-9);
    const next = jsonLine('ptp1', jsonT0 + 1000, false, 20);
    await appendFile(b.jsonFile, next.slice(0, 40));
    e = await b.scrape();
    expect(value(e, f.offset, { sync: 'ptp1' })).toBe(10e-9);
    await appendFile(b.jsonFile, next.slice(40) + jsonLine('ptp2', jsonT0 + 1500, true, 30));
    e = await b.scrape();
    expect(value(e, f.offset, { sync: 'ptp1' })).toBe(20e-9);
    expect(value(e, f.inSync, { sync: 'ptp1' })).toBe(0);
    expect(value(e, f.alarm, { sync: 'ptp1', alarm: 'no-sync-pkts' })).toBe(1);
    expect(value(e, f.inSync, { sync: 'ptp2' })).toBe(1);
    expect(value(e, f.lastUpdate, { sync: 'ptp2' })).toBe((jsonT0 + 1500) / 1000);
    expect(errors(e, 'json', 'malformed')).toBe(0);
  });

  it('counts garbage lines and a missing file as errors and keeps serving good lines', async () => {
    const b = await bed('json');
    b.now = jsonT0 + 5000;
    let e = await b.scrape();
    expect(value(e, f.up)).toBe(0);
    expect(errors(e, 'json', 'missing')).toBe(1);
    await writeFile(
      b.jsonFile,
      `not json\n${jsonLine('ptp1', jsonT0, true)}{"instance":"x"}\n\u0000\u0000\n`,
    );
    e = await b.scrape();
    expect(value(e, f.up)).toBe(1);
    expect(errors(e, 'json', 'malformed')).toBe(3);
    expect(value(e, f.inSync, { sync: 'ptp1' })).toBe(1);
    expect(find(e, f.inSync)).toHaveLength(1);
  });

  it('truncates the file once read past its limit and reads what sfptpd appends after', async () => {
    const b = await bed('json', { jsonMaxBytes: 4096 });
    b.now = jsonT0 + 60_000;
    let text = '';
    for (let i = 0; i < 20; i++) text += jsonLine('ptp1', jsonT0 + i * 1000, true, i);
    await writeFile(b.jsonFile, text);
    let e = await b.scrape();
    expect(value(e, f.offset, { sync: 'ptp1' })).toBe(19e-9);
    expect((await stat(b.jsonFile)).size).toBe(0);
    await appendFile(b.jsonFile, jsonLine('ptp1', jsonT0 + 30_000, true, 42));
    e = await b.scrape();
    expect(value(e, f.offset, { sync: 'ptp1' })).toBe(42e-9);
  });

  it('starts at the last whole line within the limit of a file far larger', async () => {
    const b = await bed('json', { jsonMaxBytes: 4096 });
    b.now = jsonT0 + 300_000;
    let text = '';
    for (let i = 0; i < 300; i++) text += jsonLine('ptp1', jsonT0 + i * 1000, true, i);
    expect(text.length).toBeGreaterThan(40_000);
    await writeFile(b.jsonFile, text);
    const e = await b.scrape();
    expect(value(e, f.offset, { sync: 'ptp1' })).toBe(299e-9);
    expect(errors(e, 'json', 'malformed')).toBe(0);
  });
});

describe('sfptpd exporter, auto source', () => {
  it('reads the JSON lines while there is no socket, then the socket once it answers', async () => {
    const b = await bed('auto');
    b.now = jsonT0 + 5000;
    await writeFile(b.jsonFile, jsonLine('ptp1', jsonT0, true));
    let e = await b.scrape();
    expect(value(e, f.source, { source: 'json' })).toBe(1);
    expect(value(e, f.inSync, { sync: 'ptp1' })).toBe(1);
    expect(errors(e, 'openmetrics', 'unreachable')).toBe(0);
    await withFake(b, await fixture('sfptpd-openmetrics-prefixed-alarms.txt'));
    b.now = (omTime + 1) * 1000;
    e = await b.scrape();
    expect(value(e, f.source, { source: 'openmetrics' })).toBe(1);
    expect(value(e, f.inSync, { sync: 'ptp1' })).toBe(0);
    expect(value(e, f.alarms, { sync: 'ptp1' })).toBe(2);
  });

  it('falls back to the JSON lines when the socket fails, counting its failure', async () => {
    const b = await bed('auto');
    const fake = await withFake(b, 'not OpenMetrics at all\n');
    b.now = jsonT0 + 5000;
    await writeFile(b.jsonFile, jsonLine('ptp1', jsonT0, true));
    let e = await b.scrape();
    expect(errors(e, 'openmetrics', 'malformed')).toBe(1);
    expect(value(e, f.source, { source: 'json' })).toBe(1);
    expect(value(e, f.up)).toBe(1);
    fake.status = 503;
    e = await b.scrape();
    expect(errors(e, 'openmetrics', 'status')).toBe(1);
    expect(value(e, f.inSync, { sync: 'ptp1' })).toBe(1);
  });

  it('is down, counting once, when neither source is there', async () => {
    const b = await bed('auto');
    let e = await b.scrape();
    expect(value(e, f.up)).toBe(0);
    expect(errors(e, 'json', 'missing')).toBe(1);
    expect(errors(e, 'openmetrics', 'unreachable')).toBe(0);
    const fake = await withFake(b, '');
    fake.status = 404;
    e = await b.scrape();
    expect(value(e, f.up)).toBe(0);
    expect(errors(e, 'openmetrics', 'status')).toBe(1);
    expect(errors(e, 'json', 'missing')).toBe(1);
  });
});
