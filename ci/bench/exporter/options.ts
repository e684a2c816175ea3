// The exporter bench's command line (pure).
import { parseArgs } from 'node:util';

export interface ExporterBenchOptions {
  readonly stacks: readonly number[];
  /** ONLOAD_METRICS_MAX_STACKS per case; "all" (undefined) gives every stack its own series. */
  readonly maxStacks: readonly (number | 'all')[];
  readonly scrapes: number;
  readonly out?: string;
}

export const exporterBenchUsage = `usage: npm run bench:exporter -- [--stacks 1,100,1000] [--max-stacks 16,all]
                                 [--scrapes 20] [--out file.json]`;

export class ExporterBenchUsageError extends Error {}

function positive(flag: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new ExporterBenchUsageError(`${flag}: "${raw}" is not a positive integer`);
  return n;
}

export function parseExporterBenchArgs(argv: readonly string[]): ExporterBenchOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        stacks: { type: 'string', default: '1,100,1000' },
        'max-stacks': { type: 'string', default: '16,all' },
        scrapes: { type: 'string', default: '20' },
        out: { type: 'string' },
      },
    }));
  } catch (error) {
    throw new ExporterBenchUsageError(error instanceof Error ? error.message : String(error));
  }
  const list = (raw: string) => raw.split(',').map((s) => s.trim());
  return {
    stacks: list(values.stacks).map((s) => positive('--stacks', s)),
    maxStacks: list(values['max-stacks']).map((s) =>
      s === 'all' ? 'all' : positive('--max-stacks', s),
    ),
    scrapes: positive('--scrapes', values.scrapes),
    ...(values.out ? { out: values.out } : {}),
  };
}
