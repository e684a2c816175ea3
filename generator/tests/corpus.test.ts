// Schema corpus: every values file in corpus/bad must be rejected by `helm lint` and `helm
// template` of both Helm majors, naming the offending field (first line `# expect: <text>`);
// every file in corpus/good must be accepted by both.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { chartDir, helm, type HelmMajor } from '../../ci/lib/helm.ts';
import type { RunResult } from '../../ci/lib/process.ts';
import { isJsonObject } from '../json.ts';

const corpus = join(import.meta.dirname, 'corpus');
const majors: readonly HelmMajor[] = [3, 4];
const commands = ['lint', 'template'] as const;
type Command = (typeof commands)[number];

function filesIn(kind: 'bad' | 'good'): string[] {
  return readdirSync(join(corpus, kind))
    .filter((f) => f.endsWith('.yaml'))
    .sort();
}

function expectation(file: string): string {
  const first = readFileSync(join(corpus, 'bad', file), 'utf8').split('\n')[0] ?? '';
  const match = /^# expect: (.+)$/.exec(first);
  if (!match?.[1]) throw new Error(`corpus/bad/${file}: the first line must be "# expect: <text>"`);
  return match[1];
}

function helmArgs(command: Command, valuesFile: string): string[] {
  return command === 'lint'
    ? ['lint', chartDir, '-f', valuesFile]
    : ['template', 'onload', chartDir, '--namespace', 'onload', '-f', valuesFile];
}

/** Runs tasks with at most `limit` at a time (the machine has few cores). */
async function pool<T>(tasks: readonly (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array<T>(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const index = next++;
      const task = tasks[index];
      if (task) results[index] = await task();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

const results = new Map<string, RunResult>();
const key = (kind: string, file: string, major: HelmMajor, command: Command): string =>
  `${kind}/${file} helm${String(major)} ${command}`;

beforeAll(async () => {
  const jobs: { id: string; run: () => Promise<RunResult> }[] = [];
  for (const kind of ['bad', 'good'] as const) {
    for (const file of filesIn(kind)) {
      for (const major of majors) {
        for (const command of commands) {
          jobs.push({
            id: key(kind, file, major, command),
            run: () =>
              helm(major, helmArgs(command, join(corpus, kind, file)), { allowFailure: true }),
          });
        }
      }
    }
  }
  const outcomes = await pool(
    jobs.map((job) => job.run),
    3,
  );
  jobs.forEach((job, index) => {
    const outcome = outcomes[index];
    if (outcome) results.set(job.id, outcome);
  });
}, 300_000);

function resultOf(kind: string, file: string, major: HelmMajor, command: Command): RunResult {
  const result = results.get(key(kind, file, major, command));
  if (!result) throw new Error(`no result for ${key(kind, file, major, command)}`);
  return result;
}

const cases = (kind: 'bad' | 'good'): [string, HelmMajor, Command][] =>
  filesIn(kind).flatMap((file) =>
    majors.flatMap((major) =>
      commands.map((command): [string, HelmMajor, Command] => [file, major, command]),
    ),
  );

describe('corpus/bad', () => {
  it('has at least 30 files, each naming the field Helm must report', () => {
    const files = filesIn('bad');
    expect(files.length).toBeGreaterThanOrEqual(30);
    for (const file of files) expect(expectation(file)).not.toBe('');
  });

  it.each(cases('bad'))(
    '%s: helm%i %s fails with a schema error naming the field',
    (file, major, command) => {
      const result = resultOf('bad', file, major, command);
      const output = result.stdout + result.stderr;
      expect(result.code).not.toBe(0);
      expect(output).toContain(
        command === 'lint'
          ? '[ERROR] values.yaml:'
          : "values don't meet the specifications of the schema",
      );
      expect(output).toContain(expectation(file));
    },
  );
});

describe('corpus/good', () => {
  it.each(cases('good'))('%s: helm%i %s accepts it', (file, major, command) => {
    const result = resultOf('good', file, major, command);
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.code).toBe(0);
    if (command !== 'template') return;
    // Kernel-module images reach the rendered objects byte for byte (${KERNEL_FULL_VERSION} too).
    const values = parse(readFileSync(join(corpus, 'good', file), 'utf8')) as unknown;
    const onload = isJsonObject(values) && isJsonObject(values.onload) ? values.onload : {};
    const mappings = Array.isArray(onload.kernelMappings) ? onload.kernelMappings : [];
    expect(mappings.length).toBeGreaterThan(0);
    for (const mapping of mappings) {
      const image = isJsonObject(mapping) ? mapping.kernelModuleImage : undefined;
      if (typeof image !== 'string') throw new Error(`corpus/good/${file}: a mapping has no image`);
      expect(result.stdout).toContain(image);
    }
  });
});
