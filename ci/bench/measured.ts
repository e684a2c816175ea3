// Runs one hook bundle on the host as a measured process: output lines timestamped as they arrive,
// and its own peak RSS and CPU time (usage-probe.ts, preloaded) once it exits.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TimedLine } from './timeline.ts';

export interface Usage {
  readonly maxRssKb: number;
  readonly userCpuMs: number;
  readonly systemCpuMs: number;
  /** Peaks of V8's heap (sampled): used by objects, reserved, and memory outside it. */
  readonly peakHeapUsedKb: number;
  readonly peakHeapTotalKb: number;
  readonly peakExternalKb: number;
}

export interface MeasuredRun {
  readonly code: number;
  /** Just before the process was spawned / when it had exited (epoch ms). */
  readonly startedAt: number;
  readonly endedAt: number;
  readonly lines: readonly TimedLine[];
  /** Undefined when the process died without running its exit handlers (SIGKILL). */
  readonly usage?: Usage;
}

export interface Running {
  readonly startedAt: number;
  readonly done: Promise<MeasuredRun>;
  /** SIGTERM (the hooks stop at a safe point), then the result. */
  stop(): Promise<MeasuredRun>;
}

const probe = join(import.meta.dirname, 'usage-probe.mjs');

export async function startMeasured(
  script: string,
  env: Readonly<Record<string, string>>,
  onLine: (line: TimedLine) => void = () => {},
  nodeArgs: readonly string[] = [],
): Promise<Running> {
  const dir = await mkdtemp(join(tmpdir(), 'onload-bench-run-'));
  const usageFile = join(dir, 'usage.json');
  const lines: TimedLine[] = [];
  const startedAt = Date.now();
  const child = spawn(process.execPath, [...nodeArgs, '--import', probe, script], {
    env: { PATH: process.env.PATH ?? '', ...env, ONLOAD_BENCH_USAGE_FILE: usageFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const feed = (): ((chunk: string) => void) => {
    let pending = '';
    return (chunk) => {
      const at = Date.now();
      pending += chunk;
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const text of parts) {
        const line = { at, text };
        lines.push(line);
        onLine(line);
      }
    };
  };
  child.stdout.setEncoding('utf8').on('data', feed());
  child.stderr.setEncoding('utf8').on('data', feed());
  const done = new Promise<MeasuredRun>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const endedAt = Date.now();
      const usage = existsSync(usageFile)
        ? (JSON.parse(readFileSync(usageFile, 'utf8')) as Usage)
        : undefined;
      void rm(dir, { recursive: true, force: true });
      resolve({
        code: code ?? (signal ? 128 : 1),
        startedAt,
        endedAt,
        lines,
        ...(usage ? { usage } : {}),
      });
    });
  });
  return {
    startedAt,
    done,
    stop: () => {
      child.kill('SIGTERM');
      return done;
    },
  };
}

/** Runs to completion. */
export async function runMeasured(
  script: string,
  env: Readonly<Record<string, string>>,
  onLine?: (line: TimedLine) => void,
  nodeArgs: readonly string[] = [],
): Promise<MeasuredRun> {
  return (await startMeasured(script, env, onLine, nodeArgs)).done;
}
