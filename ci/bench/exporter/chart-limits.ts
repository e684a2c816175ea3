// The metrics containers' default memory limits, read from the chart's values.yaml, so the bench
// runs the exporter and the runner under the V8 heap cap the chart gives them.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '../../lib/helm.ts';

export function mebibytes(quantity: unknown): number {
  const m = /^(\d+)(Mi|Gi)$/.exec(String(quantity));
  if (!m) throw new Error(`memory limit "${String(quantity)}" is not in Mi or Gi`);
  return Number(m[1]) * (m[2] === 'Gi' ? 1024 : 1);
}

interface Values {
  metrics?: {
    onload?: {
      resources?: Record<'runner' | 'exporter', { limits?: { memory?: string } } | undefined>;
    };
  };
}

export async function chartMemoryLimitsMiB(): Promise<{ runner: number; exporter: number }> {
  const values = parse(
    await readFile(join(repoRoot, 'charts', 'onload', 'values.yaml'), 'utf8'),
  ) as Values;
  const resources = values.metrics?.onload?.resources;
  return {
    runner: mebibytes(resources?.runner?.limits?.memory),
    exporter: mebibytes(resources?.exporter?.limits?.memory),
  };
}
