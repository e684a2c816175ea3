// The exporter end to end over HTTP (started on port 0 and fetched): what it serves for no run,
// a good run, a failed, malformed or stale one (never the last good data as current), and the
// runner feeding it from a stand-in orm_json program.
import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { metricsPaths } from '../contract.ts';
import { createLogger, memorySink } from '../log/logger.ts';
import { find, parseExposition, value, type Exposition } from '../testing/exposition.ts';
import { exporterRoutes } from './exporter-routes.ts';
import { healthRoute, startMetricsServer, type MetricsServer } from './http.ts';
import { OnloadExporter, staleAfterMs } from './onload-exporter.ts';
import { exporterFamilies } from './onload-registry.ts';
import { runRunner } from './runner.ts';
import { writeRunFile, type RunHeader } from './run-file.ts';

const fixtures = join(import.meta.dirname, 'fixtures');
const fixture = (name: string): Promise<string> => readFile(join(fixtures, name), 'utf8');

const t0 = 1_767_225_600_000;

function header(over: Partial<RunHeader> = {}): RunHeader {
  return {
    format: 1,
    seq: 1,
    runnerStartedAt: t0 - 60_000,
    startedAt: t0 - 200,
    finishedAt: t0,
    outcome: 'ok',
    stderr: '',
    runs: 1,
    failures: { exit_code: 0, timeout: 0, spawn: 0, too_large: 0 },
    intervalSeconds: 15,
    timeoutSeconds: 10,
    ...over,
  };
}

interface Bed {
  readonly dir: string;
  readonly exporter: OnloadExporter;
  readonly server: MetricsServer;
  readonly lines: string[];
  now: number;
  get(path: string, init?: RequestInit): Promise<Response>;
  scrape(): Promise<Exposition>;
}

const beds: Bed[] = [];
afterEach(async () => {
  for (const bed of beds.splice(0)) {
    await bed.server.close();
    await rm(bed.dir, { recursive: true, force: true });
  }
});

async function bed(maxStacks = 16): Promise<Bed> {
  const dir = await mkdtemp(join(tmpdir(), 'onload-exporter-'));
  const sink = memorySink();
  const log = createLogger({ level: 'info', sink });
  const state = { now: t0 };
  const exporter = new OnloadExporter({
    dir,
    maxStacks,
    nodeName: 'worker-1',
    log,
    now: () => state.now,
  });
  const server = await startMetricsServer({
    port: 0,
    host: '127.0.0.1',
    log,
    routes: exporterRoutes(exporter),
  });
  const b: Bed = {
    dir,
    exporter,
    server,
    lines: sink.lines,
    get now() {
      return state.now;
    },
    set now(v: number) {
      state.now = v;
    },
    get: (path, init) => fetch(`http://127.0.0.1:${server.port}${path}`, init),
    scrape: async () => {
      const res = await fetch(`http://127.0.0.1:${server.port}${metricsPaths.metrics}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/plain');
      return parseExposition(await res.text());
    },
  };
  beds.push(b);
  return b;
}

const stackSeries = (e: Exposition) => find(e, 'onload_stack_rx_evs_total');

describe('Onload exporter over HTTP', () => {
  it('serves up 0, no stacks and 503 on /orm.json before the first run', async () => {
    const b = await bed();
    const e = await b.scrape();
    expect(value(e, exporterFamilies.up, { node: 'worker-1' })).toBe(0);
    expect(stackSeries(e)).toEqual([]);
    const res = await b.get(metricsPaths.ormJson);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: string }).error).toContain('no orm_json run yet');
    expect(b.lines.filter((l) => l.includes('no orm_json run yet'))).toHaveLength(1);
  });

  it('serves a good run: per-stack metrics and the raw JSON as orm_json printed it', async () => {
    const b = await bed();
    const output = await fixture('orm-json-3-stacks.stdout');
    await writeRunFile(b.dir, {
      header: header({ stacksProc: { text: await fixture('proc-stacks.txt') } }),
      output,
    });
    const e = await b.scrape();
    expect(value(e, exporterFamilies.up)).toBe(1);
    expect(value(e, exporterFamilies.lastRun)).toBe(t0 / 1000);
    expect(value(e, exporterFamilies.lastSuccess)).toBe(t0 / 1000);
    expect(value(e, exporterFamilies.duration)).toBe(0.2);
    expect(stackSeries(e).map((s) => [s.labels.stack_id, s.labels.pid])).toEqual([
      ['2', '4242'],
      ['5', ''],
      ['7', '31337'],
    ]);
    const res = await b.get(metricsPaths.ormJson);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.text()).toBe(output);
  });

  it('after a failed run serves no per-stack data and counts the failure from the runner', async () => {
    const b = await bed();
    await writeRunFile(b.dir, {
      header: header(),
      output: await fixture('orm-json-3-stacks.stdout'),
    });
    await b.scrape();
    await writeRunFile(b.dir, {
      header: header({
        seq: 2,
        outcome: 'exit_code',
        error: 'exit code 1: oo_fd_open() failed. Onload drivers loaded?',
        runs: 2,
        failures: { exit_code: 1, timeout: 0, spawn: 0, too_large: 0 },
        finishedAt: t0 + 15_000,
      }),
      output: '',
    });
    b.now = t0 + 15_000;
    const e = await b.scrape();
    expect(value(e, exporterFamilies.up)).toBe(0);
    expect(stackSeries(e)).toEqual([]);
    expect(find(e, exporterFamilies.stacks)).toEqual([]);
    expect(value(e, exporterFamilies.failures, { reason: 'exit_code' })).toBe(1);
    expect(value(e, exporterFamilies.runs)).toBe(2);
    expect(value(e, exporterFamilies.lastRun)).toBe(t0 / 1000 + 15);
    expect(value(e, exporterFamilies.lastSuccess)).toBe(t0 / 1000);
    const res = await b.get(metricsPaths.ormJson);
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('Onload drivers loaded?');
    // one log line for the change, none for the scrapes after it
    await b.scrape();
    expect(b.lines.filter((l) => l.includes('WARN') && l.includes('run 2 failed'))).toHaveLength(1);
  });

  it('counts a malformed output once per run, however often it is scraped', async () => {
    const b = await bed();
    await writeRunFile(b.dir, {
      header: header(),
      output: await fixture('orm-json-malformed-truncated.stdout'),
    });
    await b.scrape();
    const e = await b.scrape();
    expect(value(e, exporterFamilies.up)).toBe(0);
    expect(value(e, exporterFamilies.failures, { reason: 'malformed' })).toBe(1);
    expect(find(e, exporterFamilies.lastSuccess)).toEqual([]);
    expect((await b.get(metricsPaths.ormJson)).status).toBe(503);
    expect(b.lines.some((l) => l.includes('no valid JSON'))).toBe(true);
    await writeRunFile(b.dir, {
      header: header({ seq: 2, runs: 2 }),
      output: await fixture('orm-json-1-stack.stdout'),
    });
    const after = await b.scrape();
    expect(value(after, exporterFamilies.up)).toBe(1);
    expect(value(after, exporterFamilies.failures, { reason: 'malformed' })).toBe(1);
    expect(b.lines.some((l) => l.includes('good again'))).toBe(true);
  });

  it('does not serve a good run that is stale (the runner stuck or gone) as current', async () => {
    const b = await bed();
    await writeRunFile(b.dir, {
      header: header(),
      output: await fixture('orm-json-1-stack.stdout'),
    });
    b.now = t0 + staleAfterMs(header());
    expect(value(await b.scrape(), exporterFamilies.up)).toBe(1);
    b.now += 1;
    const e = await b.scrape();
    expect(value(e, exporterFamilies.up)).toBe(0);
    expect(stackSeries(e)).toEqual([]);
    expect(value(e, exporterFamilies.failures, { reason: 'stale' })).toBe(1);
    await b.scrape();
    expect(value(await b.scrape(), exporterFamilies.failures, { reason: 'stale' })).toBe(1);
    expect((await b.get(metricsPaths.ormJson)).status).toBe(503);
    expect(b.lines.filter((l) => l.includes('stuck or gone'))).toHaveLength(1);
  });

  it('answers 404 elsewhere, 405 to other methods, and /healthz', async () => {
    const b = await bed();
    expect((await b.get('/nope')).status).toBe(404);
    const post = await b.get(metricsPaths.metrics, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect(await (await b.get(metricsPaths.health)).text()).toBe('ok\n');
  });
});

describe('metrics server', () => {
  it('answers 500 for a route that throws, logs it, and goes on serving', async () => {
    const sink = memorySink();
    const server = await startMetricsServer({
      port: 0,
      host: '127.0.0.1',
      log: createLogger({ level: 'info', sink }),
      routes: {
        '/boom': () => {
          throw new Error('kaput');
        },
        [metricsPaths.health]: healthRoute,
      },
    });
    try {
      expect((await fetch(`http://127.0.0.1:${server.port}/boom`)).status).toBe(500);
      expect(sink.lines.some((l) => l.includes('/boom: kaput'))).toBe(true);
      expect((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('runner and exporter together', () => {
  it('serve what a stand-in orm_json prints, then its failure', async () => {
    const b = await bed();
    b.now = Date.now() + 60_000;
    const log = createLogger({ level: 'info', sink: memorySink() });
    const config = {
      command: process.execPath,
      args: [
        join(fixtures, 'fake-orm-json.mjs'),
        `--fixture=${join(fixtures, 'orm-json-3-stacks.stdout')}`,
        '--flat',
        'stats',
      ],
      stacksFile: join(fixtures, 'proc-stacks.txt'),
      dir: b.dir,
      intervalSeconds: 60,
      timeoutSeconds: 20,
      maxOutputBytes: 1 << 20,
    };
    await runRunner(config, {
      log,
      signal: new AbortController().signal,
      maxRuns: 1,
      sleep: () => Promise.resolve(),
    });
    let e = await b.scrape();
    expect(value(e, exporterFamilies.up)).toBe(1);
    expect(stackSeries(e).map((s) => [s.labels.stack_name, s.labels.pid])).toEqual([
      ['trader-a', '4242'],
      ['', ''],
      ['trader-b', '31337'],
    ]);
    await runRunner(
      {
        ...config,
        args: [join(fixtures, 'fake-orm-json.mjs'), '--exit=1', '--stderr=oo_fd_open failed'],
      },
      { log, signal: new AbortController().signal, maxRuns: 1, sleep: () => Promise.resolve() },
    );
    e = await b.scrape();
    expect(value(e, exporterFamilies.up)).toBe(0);
    expect(stackSeries(e)).toEqual([]);
    expect(value(e, exporterFamilies.failures, { reason: 'exit_code' })).toBe(1);
  });
});
