// The bench's command line (pure): which node counts and concurrencies to run, and the test bed's
// fixed delays.
import { parseArgs } from 'node:util';

/** A concurrency as given: a node count, or a percentage of the node count (at least 1). */
export type Concurrency =
  | { readonly kind: 'count'; readonly value: number }
  | { readonly kind: 'percent'; readonly value: number };

export interface BenchOptions {
  readonly nodes: readonly number[];
  readonly concurrency: readonly Concurrency[];
  /** How long a KMM Unload / Load worker pod runs (ms). */
  readonly unloadMs: number;
  readonly loadMs: number;
  /** terminationGracePeriodSeconds of the sample workload (pods drain for all of it). */
  readonly graceSeconds: number;
  /** Nodes that join at once for the labeller case; 0 skips it. */
  readonly labellerNodes: number;
  /** Where the JSON results go (default: the cache directory). */
  readonly out?: string;
  /** Extra Node.js options for the measured hook and labeller processes (e.g. a heap limit). */
  readonly hookNodeOptions: readonly string[];
  /** Which KMM drives the Modules: the bed's stand-in (newest API) or the real KMM 2.2 manager. */
  readonly kmm: BenchKmm;
}

export type BenchKmm = 'stand-in' | 'manager';

export const defaultOptions: BenchOptions = {
  nodes: [10, 100, 1000],
  concurrency: [
    { kind: 'count', value: 1 },
    { kind: 'percent', value: 10 },
  ],
  unloadMs: 250,
  loadMs: 250,
  graceSeconds: 1,
  labellerNodes: 100,
  hookNodeOptions: [],
  kmm: 'stand-in',
};

export const usage = `usage: npm run bench -- [--nodes 10,100,1000] [--concurrency 1,10%] [--unload-ms 250]
                        [--load-ms 250] [--grace-seconds 1] [--labeller-nodes 100] [--out file.json]
                        [--hook-node-options=--max-old-space-size=96] [--kmm stand-in|manager]`;

function wholeNumber(flag: string, text: string, min: number): number {
  const n = Number(text.trim());
  if (text.trim() === '' || !Number.isInteger(n) || n < min)
    throw new Error(`--${flag}: "${text}" is not a whole number ≥ ${min}\n${usage}`);
  return n;
}

export function parseConcurrency(text: string): Concurrency {
  const t = text.trim();
  const percent = /^(\d+)%$/.exec(t);
  if (percent) {
    const value = Number(percent[1]);
    if (value < 1 || value > 100)
      throw new Error(`--concurrency: "${t}" must be a percentage from 1% to 100%\n${usage}`);
    return { kind: 'percent', value };
  }
  return { kind: 'count', value: wholeNumber('concurrency', t, 1) };
}

function list<T>(flag: string, text: string, item: (part: string) => T): T[] {
  const parts = text.split(',').filter((p) => p.trim() !== '');
  if (parts.length === 0) throw new Error(`--${flag}: give at least one value\n${usage}`);
  return parts.map(item);
}

/** Throws a message naming the bad flag and the usage. */
export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      nodes: { type: 'string' },
      concurrency: { type: 'string' },
      'unload-ms': { type: 'string' },
      'load-ms': { type: 'string' },
      'grace-seconds': { type: 'string' },
      'labeller-nodes': { type: 'string' },
      out: { type: 'string' },
      'hook-node-options': { type: 'string' },
      kmm: { type: 'string' },
    },
  });
  const d = defaultOptions;
  return {
    nodes:
      values.nodes === undefined
        ? d.nodes
        : list('nodes', values.nodes, (p) => wholeNumber('nodes', p, 1)),
    concurrency:
      values.concurrency === undefined
        ? d.concurrency
        : list('concurrency', values.concurrency, parseConcurrency),
    unloadMs:
      values['unload-ms'] === undefined
        ? d.unloadMs
        : wholeNumber('unload-ms', values['unload-ms'], 0),
    loadMs:
      values['load-ms'] === undefined ? d.loadMs : wholeNumber('load-ms', values['load-ms'], 0),
    graceSeconds:
      values['grace-seconds'] === undefined
        ? d.graceSeconds
        : wholeNumber('grace-seconds', values['grace-seconds'], 0),
    labellerNodes:
      values['labeller-nodes'] === undefined
        ? d.labellerNodes
        : wholeNumber('labeller-nodes', values['labeller-nodes'], 0),
    ...(values.out !== undefined ? { out: values.out } : {}),
    hookNodeOptions: (values['hook-node-options'] ?? '').split(/\s+/).filter((o) => o !== ''),
    kmm: values.kmm === undefined ? d.kmm : benchKmm(values.kmm),
  };
}

function benchKmm(text: string): BenchKmm {
  if (text === 'stand-in' || text === 'manager') return text;
  throw new Error(
    `--kmm: "${text}" is neither stand-in (the bed's KMM stand-in) nor manager (the real KMM 2.2 manager)\n${usage}`,
  );
}

/** maxParallelUpgrades for `nodes` nodes: a count as given, a percentage rounded down, at least 1. */
export function resolveConcurrency(c: Concurrency, nodes: number): number {
  if (c.kind === 'count') return c.value;
  return Math.max(1, Math.floor((nodes * c.value) / 100));
}

/** The distinct concurrencies to run at `nodes` nodes, ascending (10% of 10 is 1: run once). */
export function concurrenciesFor(specs: readonly Concurrency[], nodes: number): number[] {
  return [...new Set(specs.map((c) => Math.min(nodes, resolveConcurrency(c, nodes))))].sort(
    (a, b) => a - b,
  );
}
