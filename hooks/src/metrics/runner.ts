// The orm_json runner (privileged container of the metrics pod): runs orm_json every interval,
// bounded in time and output size, reads /proc/driver/onload/stacks for the stacks' pids, and
// writes each outcome to the run file the exporter reads. It listens on no port and parses
// nothing: what the privileged side does is as small as it can be.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { Logger } from '../log/logger.ts';
import { planExec, type ExecPlan } from './host-exec.ts';
import {
  runOutcomes,
  writeRunFile,
  type RunFailure,
  type RunHeader,
  type RunOutcome,
} from './run-file.ts';
import { abortableSleep } from '../abortable-sleep.ts';

export interface RunnerConfig {
  /** The orm_json program (or a stand-in printing the same shape). */
  readonly command: string;
  readonly args: readonly string[];
  /** Where the host's / is mounted: ELF programs then run with the host's libraries. */
  readonly hostRoot?: string;
  /** /proc/driver/onload/stacks, or undefined not to read it. */
  readonly stacksFile?: string;
  readonly dir: string;
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly maxOutputBytes: number;
}

export interface RunResult {
  readonly outcome: RunOutcome;
  readonly output: string;
  readonly stderr: string;
  readonly error?: string;
  readonly startedAt: number;
  readonly finishedAt: number;
}

const stderrKeep = 4096;

/** orm_json's environment: nothing of ours (never LD_PRELOAD: Onload tools refuse to run under Onload). */
const childEnv = { PATH: '/usr/bin:/bin', LANG: 'C' };

/** One bounded run of the planned program. Never rejects. */
export function runOnce(
  plan: ExecPlan,
  config: RunnerConfig,
  now: () => number = Date.now,
  signal?: AbortSignal,
): Promise<RunResult> {
  const startedAt = now();
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = '';
    let verdict: { outcome: RunFailure; error: string } | undefined;
    const child = spawn(plan.file, [...plan.args], {
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(signal ? { signal, killSignal: 'SIGKILL' as const } : {}),
    });
    const stop = (outcome: RunFailure, error: string): void => {
      verdict ??= { outcome, error };
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => {
      stop('timeout', `no exit within ${config.timeoutSeconds} s; killed`);
    }, config.timeoutSeconds * 1000);
    child.stdout.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > config.maxOutputBytes)
        stop('too_large', `printed more than ${config.maxOutputBytes} bytes; killed`);
      else out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err = (err + chunk.toString('utf8')).slice(-stderrKeep);
    });
    const finish = (
      result: Omit<RunResult, 'startedAt' | 'finishedAt' | 'stderr' | 'output'>,
    ): void => {
      clearTimeout(timer);
      const output = result.outcome === 'ok' ? Buffer.concat(out).toString('utf8') : '';
      resolve({ ...result, output, stderr: err, startedAt, finishedAt: now() });
    };
    child.on('error', (e) => {
      verdict ??= { outcome: 'spawn', error: `cannot start ${plan.file}: ${e.message}` };
    });
    child.on('close', (code, signal) => {
      if (verdict) finish(verdict);
      else if (code === 0) finish({ outcome: 'ok' });
      else {
        const last = err.trim().split('\n').pop() ?? '';
        const how = code === null ? `killed by ${signal ?? 'a signal'}` : `exit code ${code}`;
        finish({ outcome: 'exit_code', error: last ? `${how}: ${last}` : how });
      }
    });
  });
}

export async function readStacksProc(path: string | undefined): Promise<RunHeader['stacksProc']> {
  if (!path) return undefined;
  try {
    return { text: (await readFile(path, 'utf8')).slice(0, 1 << 20) };
  } catch (e) {
    return { error: `cannot read ${path}: ${(e as Error).message}` };
  }
}

export interface RunnerDeps {
  readonly log: Logger;
  readonly signal: AbortSignal;
  readonly now?: () => number;
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Stop after this many runs (tests). */
  readonly maxRuns?: number;
}

/** Runs orm_json every interval until the signal aborts. */
export async function runRunner(config: RunnerConfig, deps: RunnerDeps): Promise<void> {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? abortableSleep;
  const runnerStartedAt = now();
  const failures = Object.fromEntries(
    runOutcomes.filter((o) => o !== 'ok').map((o) => [o, 0]),
  ) as Record<RunFailure, number>;
  const plan = await planExec(config.command, config.args, config.hostRoot);
  deps.log.info(`running every ${config.intervalSeconds} s: ${plan.how} ${config.args.join(' ')}`);
  const logger = new OutcomeLog(deps.log);
  for (
    let seq = 1;
    !deps.signal.aborted && (deps.maxRuns === undefined || seq <= deps.maxRuns);
    seq++
  ) {
    const result = await runOnce(plan, config, now, deps.signal);
    if (result.outcome !== 'ok') failures[result.outcome] += 1;
    const header: RunHeader = {
      format: 1,
      seq,
      runnerStartedAt,
      startedAt: result.startedAt,
      finishedAt: result.finishedAt,
      outcome: result.outcome,
      ...(result.error !== undefined ? { error: result.error } : {}),
      stderr: result.stderr,
      runs: seq,
      failures: { ...failures },
      intervalSeconds: config.intervalSeconds,
      timeoutSeconds: config.timeoutSeconds,
      ...(config.stacksFile ? { stacksProc: await readStacksProc(config.stacksFile) } : {}),
    };
    try {
      await writeRunFile(config.dir, { header, output: result.output });
    } catch (e) {
      deps.log.error(`cannot write the run file in ${config.dir}: ${(e as Error).message}`);
    }
    logger.record(result);
    const wait = result.startedAt + config.intervalSeconds * 1000 - now();
    await sleep(Math.max(1000, wait), deps.signal);
  }
}

/** One line per failed run, repeats of the same failure every 20th run, and each recovery. */
class OutcomeLog {
  private last = '';
  private repeats = 0;
  private readonly log: Logger;

  constructor(log: Logger) {
    this.log = log;
  }

  record(r: RunResult): void {
    const ms = r.finishedAt - r.startedAt;
    if (r.outcome === 'ok') {
      if (this.last !== 'ok') this.log.info(`orm_json run ok (${r.output.length} bytes, ${ms} ms)`);
      this.last = 'ok';
      return;
    }
    const message = `orm_json failed (${r.outcome}): ${r.error ?? ''}`;
    this.repeats = message === this.last ? this.repeats + 1 : 0;
    if (this.repeats === 0) this.log.warn(message);
    else if (this.repeats % 20 === 0)
      this.log.warn(`${message} (again, ${this.repeats + 1} runs in a row)`);
    this.last = message;
  }
}
