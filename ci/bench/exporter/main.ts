// `npm run bench:exporter`: what the Onload metrics exporter costs per scrape at 1, 100 and 1000
// stacks (CPU, scrape latency, memory, exposition size), with the default stack limit and with
// every stack its own series. Prints a Markdown table and writes the figures as JSON; asserts
// nothing about them.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildHooks } from '../../../hooks/build.ts';
import { progressTo } from '../../lib/progress.ts';
import { benchDir, runStamp } from '../results.ts';

import { measureExporterCase, type ExporterCase } from './measure.ts';
import { exporterBenchUsage, ExporterBenchUsageError, parseExporterBenchArgs } from './options.ts';
import { exporterTable } from './table.ts';
import { chartMemoryLimitsMiB } from './chart-limits.ts';

const progress = progressTo('bench:exporter');
let options;
try {
  options = parseExporterBenchArgs(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof ExporterBenchUsageError)) throw error;
  console.error(`${error.message}\n${exporterBenchUsage}`);
  process.exit(2);
}

const memoryLimitMiB = await chartMemoryLimitsMiB();
progress(
  `the chart's default memory limits: runner ${memoryLimitMiB.runner} MiB, exporter ${memoryLimitMiB.exporter} MiB (V8 heap capped at half, as in the pod)`,
);
const workDir = await mkdtemp(join(tmpdir(), 'onload-exporter-bench-'));
const cases: ExporterCase[] = [];
try {
  const bundles = join(workDir, 'bundles');
  await buildHooks(bundles, () => undefined);
  for (const stacks of options.stacks)
    for (const limit of options.maxStacks) {
      const maxStacks = limit === 'all' ? stacks : Math.min(limit, stacks);
      if (cases.some((c) => c.stacks === stacks && c.maxStacks === maxStacks)) continue;
      progress(
        `${stacks} stack(s), maxStacks ${maxStacks}: ${options.scrapes} runs, 2 scrapes each ...`,
      );
      cases.push(
        await measureExporterCase({
          stacks,
          maxStacks,
          scrapes: options.scrapes,
          memoryLimitMiB,
          bundles,
          workDir,
        }),
      );
    }
} finally {
  await rm(workDir, { recursive: true, force: true });
}

const out = options.out ?? join(benchDir(), `exporter-${runStamp(new Date())}.json`);
await mkdir(dirname(out), { recursive: true });
await writeFile(
  out,
  `${JSON.stringify({ at: new Date().toISOString(), node: process.version, cases }, null, 2)}\n`,
);
console.log(exporterTable(cases).join('\n'));
progress(`figures written to ${out}`);
