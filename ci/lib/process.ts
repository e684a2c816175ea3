import { spawn, type SpawnOptions } from 'node:child_process';

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export class CommandError extends Error {
  readonly command: string;
  readonly result: RunResult;

  constructor(command: string, result: RunResult) {
    const tail = (result.stderr || result.stdout).trimEnd().split('\n').slice(-40).join('\n');
    super(`command failed (exit ${result.code}): ${command}\n${tail}`);
    this.command = command;
    this.result = result;
  }
}

export interface RunOptions extends SpawnOptions {
  /** Called with each line of combined output as it arrives. */
  readonly onLine?: (line: string) => void;
  /** Data written to the process's stdin. */
  readonly input?: string;
  /** Resolve with the result instead of rejecting on a non-zero exit. */
  readonly allowFailure?: boolean;
}

/** Runs a program (no shell), capturing its output. Rejects with the output's tail on failure. */
export function run(
  file: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const { onLine, input, allowFailure, ...spawnOptions } = options;
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { ...spawnOptions, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let pending = '';
    const feed = (chunk: string): void => {
      if (!onLine) return;
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    };
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      feed(d);
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      feed(d);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (pending && onLine) onLine(pending);
      const result = { code: code ?? (signal ? 128 : 1), stdout, stderr };
      if (result.code !== 0 && !allowFailure)
        reject(new CommandError([file, ...args].join(' '), result));
      else resolve(result);
    });
    // A program that exits without reading its input closes the pipe: its exit code tells.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
  });
}
