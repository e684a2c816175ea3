// npm run bench [-- --nodes 10,100,1000 --concurrency 1,10% --unload-ms 250 --load-ms 250
//                   --grace-seconds 1 --labeller-nodes 100 --out file.json]
// Benchmarks the ordered driver rollout on the local test bed (see ci/bench/README.md): per node
// count, one test bed; per concurrency, one rollout measured from the API server's audit log and
// the hook process itself. Prints tables and writes JSON results outside the repository.
import { mkdir } from 'node:fs/promises';
import { cpus, release as kernelRelease, totalmem } from 'node:os';
import { join } from 'node:path';
import { buildHooks } from '../../hooks/build.ts';
import { progressTo } from '../lib/progress.ts';
import { ensureTools } from '../tools/build.ts';
import { runBed } from './bed.ts';
import { runMeasured } from './measured.ts';
import { concurrenciesFor, parseBenchArgs, type BenchOptions } from './options.ts';
import { bundlePath } from './release.ts';
import { benchDir, runStamp, writeResults, type BedResult, type BenchResult } from './results.ts';
import { calibrationTable, cpuTable, labellerTable, rolloutTable, stateTable } from './table.ts';

const progress = progressTo('bench');

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

let options: BenchOptions;
try {
  options = parseBenchArgs(process.argv.slice(2));
} catch (error) {
  console.error(errorText(error));
  process.exit(2);
}

const started = new Date();
const stamp = runStamp(started);
const logDir = join(benchDir(), stamp);
const out = options.out ?? join(benchDir(), `${stamp}.json`);
await mkdir(logDir, { recursive: true });
await ensureTools(
  ['kubernetes', 'etcd', 'kwok', 'helm3', ...(options.kmm === 'manager' ? (['kmm'] as const) : [])],
  progressTo('tools'),
);
progress('bundling the hook entry points (what the hooks image runs)');
await buildHooks();
// The floor under every RSS figure: Node.js with the bundle loaded (it stops at the missing config).
const loaded = await runMeasured(bundlePath('post'), {}, undefined, options.hookNodeOptions);
const bundleLoadRssMiB = loaded.usage ? loaded.usage.maxRssKb / 1024 : undefined;

const beds: BedResult[] = [];
const snapshot = (): BenchResult => ({
  startedAt: started.toISOString(),
  finishedAt: new Date().toISOString(),
  command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
  machine: {
    cpus: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    kernel: kernelRelease(),
  },
  options,
  modulesPerNode: 2,
  ...(bundleLoadRssMiB !== undefined ? { bundleLoadRssMiB } : {}),
  beds,
});

for (const nodes of options.nodes) {
  const concurrencies = concurrenciesFor(options.concurrency, nodes);
  progress(
    `test bed with ${nodes} nodes: rollouts at ${concurrencies.join(', ')} node(s) at a time`,
  );
  try {
    beds.push(await runBed(nodes, concurrencies, options, logDir, progress));
  } catch (error) {
    progress(`the ${nodes}-node run failed: ${errorText(error)}`);
    process.exitCode = 1;
  }
  // Partial results survive a later failure or an interrupted run.
  await writeResults(out, snapshot());
}

const cases = beds.flatMap((b) => b.cases);
const labellers = beds.flatMap((b) => (b.labeller ? [b.labeller] : []));
console.log('\nRollout (post-upgrade phase on the host):');
console.log(rolloutTable(cases).join('\n'));
console.log('\nWhere the time went (per node, by state):');
console.log(stateTable(cases).join('\n'));
console.log('\nCPU seconds during each rollout (hook process and test bed):');
console.log(cpuTable(cases, cpus().length).join('\n'));
if (labellers.length > 0) {
  console.log('\nNode labeller (nodes joining at once):');
  console.log(labellerTable(labellers).join('\n'));
}
console.log('\nTest bed (measured on one idle node; the minimum uses "device plugin start"):');
console.log(calibrationTable(beds).join('\n'));
console.log(
  `\nKMM: ${options.kmm === 'manager' ? 'the real KMM 2.2 manager' : 'the KMM stand-in (newest API)'}; machine: ${cpus().length} CPUs, ${Math.round(totalmem() / 2 ** 30)} GiB; grace ${options.graceSeconds}s, unload ${options.unloadMs}ms, load ${options.loadMs}ms, 2 modules (sfc, onload) per node; the post bundle alone (loaded, no work) peaks at ${bundleLoadRssMiB?.toFixed(0) ?? '?'} MiB RSS`,
);
console.log(`results: ${out}\nhook output: ${logDir}`);
