// One exporter bench case: the bundled orm-json-runner and onload-exporter run as their own
// processes (as in the metrics pod), the runner running a fixture orm_json that prints N stacks
// every second; the bench scrapes /metrics once right after each new run (the scrape parses it)
// and once more at once (the scrape reuses the parsed run), timing each scrape and reading the
// exporter's CPU time and memory from /proc.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { metricsEnv, nodeOptions, nodeRuntimeEnv } from '../../../hooks/src/contract.ts';
import { readRunFile } from '../../../hooks/src/metrics/run-file.ts';
import { waitFor } from '../../lib/wait.ts';
import { freePort } from '../../testbed/ports.ts';
import { parseProcStat } from '../cpu.ts';
import { percentile } from '../percentile.ts';
import { synthesizeOrmJson, synthesizeStacksProc } from './synth.ts';

const fixtures = join(import.meta.dirname, '..', '..', '..', 'hooks', 'src', 'metrics', 'fixtures');

export interface ExporterCaseInput {
  readonly stacks: number;
  /** ONLOAD_METRICS_MAX_STACKS: stacks with series of their own. */
  readonly maxStacks: number;
  readonly scrapes: number;
  readonly bundles: string;
  readonly workDir: string;
  /** The containers' memory limits (MiB): the processes get the NODE_OPTIONS the chart derives. */
  readonly memoryLimitMiB: { readonly runner: number; readonly exporter: number };
}

export interface ScrapeFigures {
  readonly latencyMsP50: number;
  readonly latencyMsP95: number;
  readonly cpuMsPerScrape: number;
}

export interface ExporterCase {
  readonly stacks: number;
  readonly maxStacks: number;
  readonly ormJsonBytes: number;
  readonly metricsBytes: number;
  readonly series: number;
  /** Scrapes that parsed a new run. */
  readonly fresh: ScrapeFigures;
  /** Scrapes of a run already parsed. */
  readonly cached: ScrapeFigures;
  readonly exporterRssMiB: number;
  readonly exporterPeakRssMiB: number;
  readonly runnerCpuMsPerRun: number;
  readonly runnerPeakRssMiB: number;
}

function cpuMs(pid: number, text: string): number {
  const stat = parseProcStat(text);
  if (!stat) throw new Error(`cannot read the CPU time of process ${pid}`);
  return stat.cpuSeconds * 1000;
}

async function processCpuMs(pid: number): Promise<number> {
  return cpuMs(pid, await readFile(`/proc/${pid}/stat`, 'utf8'));
}

async function memoryMiB(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

function start(
  bundle: string,
  memoryLimitMiB: number,
  env: Record<string, string>,
  log: string[],
): ChildProcess {
  const child = spawn(process.execPath, [bundle], {
    env: {
      PATH: process.env.PATH ?? '',
      ...nodeRuntimeEnv,
      NODE_OPTIONS: nodeOptions(memoryLimitMiB),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (chunk: Buffer) => {
    log.push(chunk.toString());
    if (log.length > 50) log.shift();
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  return child;
}

async function scrape(url: string): Promise<{ ms: number; body: string }> {
  const began = performance.now();
  const response = await fetch(url);
  const body = await response.text();
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
  return { ms: performance.now() - began, body };
}

async function runSeq(dir: string): Promise<number> {
  const read = await readRunFile(dir);
  return read.kind === 'run' ? read.run.header.seq : 0;
}

export async function measureExporterCase(input: ExporterCaseInput): Promise<ExporterCase> {
  const dir = join(input.workDir, `stacks-${input.stacks}-max-${input.maxStacks}`);
  const runDir = join(dir, 'run');
  await mkdir(runDir, { recursive: true });
  const template = await readFile(join(fixtures, 'orm-json-1-stack.stdout'), 'utf8');
  const output = synthesizeOrmJson(template, input.stacks);
  const fixture = join(dir, 'orm-json.stdout');
  const stacksProc = join(dir, 'stacks');
  const fake = join(dir, 'fake-orm-json.mjs');
  await writeFile(fixture, output);
  await writeFile(stacksProc, synthesizeStacksProc(input.stacks));
  await copyFile(join(fixtures, 'fake-orm-json.mjs'), fake);
  const port = await freePort();
  const log: string[] = [];
  const runner = start(
    join(input.bundles, 'orm-json-runner.mjs'),
    input.memoryLimitMiB.runner,
    {
      [metricsEnv.ormJson]: process.execPath,
      [metricsEnv.ormJsonArgs]: `${fake} --fixture=${fixture}`,
      [metricsEnv.stacksFile]: stacksProc,
      [metricsEnv.dir]: runDir,
      [metricsEnv.intervalSeconds]: '1',
      [metricsEnv.timeoutSeconds]: '1',
    },
    log,
  );
  const exporter = start(
    join(input.bundles, 'onload-exporter.mjs'),
    input.memoryLimitMiB.exporter,
    {
      [metricsEnv.port]: String(port),
      [metricsEnv.dir]: runDir,
      [metricsEnv.maxStacks]: String(input.maxStacks),
      [metricsEnv.nodeName]: 'bench-node',
    },
    log,
  );
  const url = `http://127.0.0.1:${port}/metrics`;
  try {
    await waitFor(
      `the exporter to serve ${input.stacks} stacks`,
      async () => (await scrape(url)).body.includes('onload_orm_json_up 1'),
      { timeoutMs: 30_000, intervalMs: 200, describe: () => Promise.resolve(log.join('')) },
    );
    const fresh: number[] = [];
    const cached: number[] = [];
    let freshCpu = 0;
    let cachedCpu = 0;
    let body = '';
    const runnerCpuBefore = await processCpuMs(runner.pid ?? 0);
    const firstSeq = await runSeq(runDir);
    let seq = firstSeq;
    for (let i = 0; i < input.scrapes; i++) {
      const previous = seq;
      await waitFor('a new orm_json run', async () => (seq = await runSeq(runDir)) > previous, {
        timeoutMs: 10_000,
        intervalMs: 20,
      });
      const before = await processCpuMs(exporter.pid ?? 0);
      const first = await scrape(url);
      const between = await processCpuMs(exporter.pid ?? 0);
      const second = await scrape(url);
      const after = await processCpuMs(exporter.pid ?? 0);
      fresh.push(first.ms);
      cached.push(second.ms);
      freshCpu += between - before;
      cachedCpu += after - between;
      body = second.body;
    }
    const runnerCpu = (await processCpuMs(runner.pid ?? 0)) - runnerCpuBefore;
    const exporterMemory = await memoryMiB(exporter.pid ?? 0);
    const runnerMemory = await memoryMiB(runner.pid ?? 0);
    const figures = (latencies: number[], cpu: number): ScrapeFigures => ({
      latencyMsP50: percentile(latencies, 50) ?? Number.NaN,
      latencyMsP95: percentile(latencies, 95) ?? Number.NaN,
      cpuMsPerScrape: cpu / latencies.length,
    });
    return {
      stacks: input.stacks,
      maxStacks: input.maxStacks,
      ormJsonBytes: Buffer.byteLength(output),
      metricsBytes: Buffer.byteLength(body),
      series: body.split('\n').filter((l) => l && !l.startsWith('#')).length,
      fresh: figures(fresh, freshCpu),
      cached: figures(cached, cachedCpu),
      exporterRssMiB: exporterMemory.rss,
      exporterPeakRssMiB: exporterMemory.peak,
      runnerCpuMsPerRun: runnerCpu / Math.max(1, seq - firstSeq),
      runnerPeakRssMiB: runnerMemory.peak,
    };
  } finally {
    runner.kill('SIGTERM');
    exporter.kill('SIGTERM');
  }
}
