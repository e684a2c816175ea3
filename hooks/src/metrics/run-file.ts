// The hand-over between the two containers of the Onload metrics pod: the privileged runner
// (orm-json-runner) writes the outcome of each orm_json run to one file in a shared emptyDir, the
// unprivileged exporter (onload-exporter) reads it on each scrape. One file, replaced by rename,
// so a reader sees one whole run or the one before: line 1 is a JSON header, the rest is
// orm_json's standard output as it printed it.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const runFileName = 'last-run';

/** How a run ended, as the runner saw it (parsing is the exporter's job). */
export const runOutcomes = ['ok', 'exit_code', 'timeout', 'spawn', 'too_large'] as const;
export type RunOutcome = (typeof runOutcomes)[number];
export type RunFailure = Exclude<RunOutcome, 'ok'>;

export interface RunHeader {
  readonly format: 1;
  /** Runs since the runner started, this one included. */
  readonly seq: number;
  /** When the runner started (ms): a new value means its counts started again. */
  readonly runnerStartedAt: number;
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly outcome: RunOutcome;
  /** What went wrong, for the log and /orm.json (exit code, signal, stderr's last line...). */
  readonly error?: string;
  /** The end of orm_json's standard error (it reports stacks it may not map there). */
  readonly stderr: string;
  /** Cumulative counts since the runner started. */
  readonly runs: number;
  readonly failures: Readonly<Record<RunFailure, number>>;
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  /** /proc/driver/onload/stacks as read right after the run, or why it could not be read. */
  readonly stacksProc?: { readonly text: string } | { readonly error: string };
}

export interface RunFile {
  readonly header: RunHeader;
  readonly output: string;
}

export async function writeRunFile(dir: string, run: RunFile): Promise<void> {
  const path = join(dir, runFileName);
  const tmp = `${path}.tmp`;
  await writeFile(tmp, `${JSON.stringify(run.header)}\n${run.output}`);
  await rename(tmp, path);
}

export type RunFileRead =
  | { readonly kind: 'missing' }
  | { readonly kind: 'invalid'; readonly error: string }
  | { readonly kind: 'run'; readonly run: RunFile };

/** Reads the last run; never throws. */
export async function readRunFile(dir: string): Promise<RunFileRead> {
  let text: string;
  try {
    text = await readFile(join(dir, runFileName), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    return { kind: 'invalid', error: `cannot read the run file: ${(e as Error).message}` };
  }
  const newline = text.indexOf('\n');
  const headerText = newline < 0 ? text : text.slice(0, newline);
  let header: unknown;
  try {
    header = JSON.parse(headerText);
  } catch {
    return { kind: 'invalid', error: 'the run file has no JSON header' };
  }
  if (!isHeader(header)) return { kind: 'invalid', error: 'the run file header is incomplete' };
  return { kind: 'run', run: { header, output: newline < 0 ? '' : text.slice(newline + 1) } };
}

function isHeader(value: unknown): value is RunHeader {
  if (typeof value !== 'object' || value === null) return false;
  const h = value as Record<string, unknown>;
  return (
    h.format === 1 &&
    [
      'seq',
      'runnerStartedAt',
      'startedAt',
      'finishedAt',
      'runs',
      'intervalSeconds',
      'timeoutSeconds',
    ]
      .map((k) => h[k])
      .every((v) => typeof v === 'number' && Number.isFinite(v)) &&
    runOutcomes.includes(h.outcome as RunOutcome) &&
    typeof h.failures === 'object' &&
    h.failures !== null &&
    typeof h.stderr === 'string'
  );
}
