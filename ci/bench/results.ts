// The bench's JSON results: their shape and where they go.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { toolsCacheDir } from '../tools/build.ts';
import type { RequestSummary } from './audit.ts';
import type { Calibration } from './calibrate.ts';
import type { Usage } from './measured.ts';
import type { BenchOptions } from './options.ts';
import type { Violation } from '../e2e/invariants.ts';
import type { OutageFigures } from './outages.ts';
import type { StateStats } from './timeline.ts';

export interface ProcessFigures {
  readonly exitCode: number;
  readonly wallSeconds: number;
  readonly peakRssMiB?: number;
  readonly cpuSeconds?: number;
  readonly userCpuSeconds?: number;
  readonly systemCpuSeconds?: number;
  readonly peakHeapUsedMiB?: number;
  readonly peakHeapTotalMiB?: number;
  readonly peakExternalMiB?: number;
}

export interface RequestFigures {
  readonly total: number;
  readonly perNode: number;
  readonly byKind: RequestSummary['byKind'];
  readonly byStatus: RequestSummary['byStatus'];
  /** Cluster-wide (unnarrowed, all namespaces) LIST/WATCH of pods or nodes. */
  readonly clusterWideReads: readonly { readonly verb: string; readonly uri: string }[];
  /** Whether any of them came once nodes were being worked on (per node step). */
  readonly clusterWideReadPerNodeStep: boolean;
}

export interface RolloutCase {
  readonly nodes: number;
  readonly concurrency: number;
  readonly fromVersion: string;
  readonly toVersion: string;
  readonly process: ProcessFigures;
  readonly perNodeMinimumSeconds: number;
  readonly minimumSeconds: number;
  readonly ratio: number;
  /** The floor with every per-node cost measured on the bed (floor.ts bedFloorSeconds). */
  readonly bedFloorSeconds: number;
  readonly bedRatio: number;
  readonly requests: RequestFigures;
  /** From process start to the first node patch (audit) / the first node started (its output). */
  readonly firstNodePatchSeconds?: number;
  readonly firstNodeStartedSeconds?: number;
  readonly states: readonly StateStats[];
  /** Checked while the rollout ran: invariant violations, outages, most nodes out at once. */
  readonly safety: OutageFigures & { readonly violations: readonly Violation[] };
  readonly loadAverage: { readonly before: number; readonly after: number };
  /** CPU seconds the test bed's processes used during the run, by process name. */
  readonly bedCpuSeconds: Readonly<Record<string, number>>;
  readonly logFile: string;
}

export interface LabellerCase {
  readonly existingNodes: number;
  readonly joinedNodes: number;
  /** From the start of creating the nodes (one kubectl create) until all carry the version labels. */
  readonly allLabelledSeconds: number;
  /** Same, from when the last node was created. */
  readonly afterLastCreatedSeconds: number;
  readonly firstLabelSeconds?: number;
  readonly process: ProcessFigures;
  /** Requests from the start of the join until all were labelled, per joined node. */
  readonly requests: RequestFigures;
  /** Requests from process start until the join began (list + watch set-up). */
  readonly startupRequests: number;
  readonly logFile: string;
}

export interface BedResult {
  readonly nodes: number;
  readonly bedStartSeconds: number;
  /** pre + helm install + post (the post-install wait until every node serves). */
  readonly installSeconds: number;
  readonly calibration: Calibration;
  readonly cases: readonly RolloutCase[];
  readonly labeller?: LabellerCase;
  readonly error?: string;
}

export interface BenchResult {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly command: string;
  readonly machine: {
    readonly cpus: number;
    readonly memoryGiB: number;
    readonly node: string;
    readonly kernel: string;
  };
  readonly options: BenchOptions;
  readonly modulesPerNode: number;
  /** Peak RSS of the post bundle that only loads and stops at its configuration check. */
  readonly bundleLoadRssMiB?: number;
  readonly beds: readonly BedResult[];
}

export function benchDir(): string {
  return join(dirname(toolsCacheDir()), 'bench');
}

/** `<cache>/onload-chart/bench/<timestamp>` (logs go in it, the JSON next to it). */
export function runStamp(at: Date): string {
  return at
    .toISOString()
    .replaceAll(':', '')
    .replace(/\.\d+Z$/, 'Z');
}

export async function writeResults(file: string, result: BenchResult): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
}

export function processFigures(run: {
  code: number;
  startedAt: number;
  endedAt: number;
  usage?: Usage;
}): ProcessFigures {
  const u = run.usage;
  return {
    exitCode: run.code,
    wallSeconds: (run.endedAt - run.startedAt) / 1000,
    ...(u
      ? {
          peakRssMiB: u.maxRssKb / 1024,
          cpuSeconds: (u.userCpuMs + u.systemCpuMs) / 1000,
          userCpuSeconds: u.userCpuMs / 1000,
          systemCpuSeconds: u.systemCpuMs / 1000,
          peakHeapUsedMiB: u.peakHeapUsedKb / 1024,
          peakHeapTotalMiB: u.peakHeapTotalKb / 1024,
          peakExternalMiB: u.peakExternalKb / 1024,
        }
      : {}),
  };
}

export function requestFigures(summary: RequestSummary, nodes: number): RequestFigures {
  return {
    total: summary.total,
    perNode: summary.total / nodes,
    byKind: summary.byKind,
    byStatus: summary.byStatus,
    clusterWideReads: summary.clusterWideReads.map((r) => ({ verb: r.verb, uri: r.uri })),
    clusterWideReadPerNodeStep: summary.clusterWideReadsDuringNodeSteps.length > 0,
  };
}
