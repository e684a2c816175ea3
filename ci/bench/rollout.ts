// One rollout case: pre (freeze) and helm upgrade --no-hooks to the new version with the case's
// maxParallelUpgrades, then the measured post-upgrade phase on the host; its figures from its own
// output, its resource usage and the API server's audit log.
import { readFile, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { InvariantChecker } from '../e2e/invariants.ts';
import { ClusterObserver } from '../e2e/observer.ts';
import { heartbeat, type Progress } from '../lib/progress.ts';
import { solarflareLabel } from '../testbed/nodes.ts';
import { parseAuditLog, serviceAccountUser, summariseRequests } from './audit.ts';
import { bedCpuSeconds, cpuSince } from './cpu.ts';
import type { Calibration } from './calibrate.ts';
import {
  bedFloorSeconds,
  overheadRatio,
  perNodeMinimumSeconds,
  rolloutMinimumSeconds,
} from './floor.ts';
import { runMeasured, type MeasuredRun } from './measured.ts';
import { OutageRecorder } from './outages.ts';
import type { BenchOptions } from './options.ts';
import { bundlePath, hooksAccount, releaseNamespace, type BenchRelease } from './release.ts';
import { processFigures, requestFigures, type RolloutCase } from './results.ts';
import { seconds } from './table.ts';
import { firstStartAt, parseTransition, stateStats, type TimedLine } from './timeline.ts';

export interface CaseContext {
  readonly release: BenchRelease;
  readonly options: BenchOptions;
  readonly calibration: Calibration;
  readonly modules: number;
  readonly auditLog: string;
  readonly logDir: string;
  /** The test bed's state directory (its processes' CPU time). */
  readonly stateDir: string;
  readonly progress: Progress;
}

/** The audit log backend writes as requests complete; give the last ones a moment. */
const auditSettleMs = 1500;

export async function writeLog(file: string, run: MeasuredRun): Promise<void> {
  await writeFile(
    file,
    run.lines.map((l) => `${new Date(l.at).toISOString()} ${l.text}`).join('\n') + '\n',
  );
}

/** Runs a phase to completion; throws with its output's tail when it fails. */
export async function runPhase(
  release: BenchRelease,
  entry: 'pre' | 'post',
  valuesFile: string,
  onLine?: (line: TimedLine) => void,
): Promise<MeasuredRun> {
  const run = await runMeasured(
    bundlePath(entry),
    await release.phaseEnv(entry, valuesFile),
    onLine,
  );
  if (run.code !== 0)
    throw new Error(
      `${entry} exited with ${run.code}:\n${run.lines
        .slice(-30)
        .map((l) => l.text)
        .join('\n')}`,
    );
  return run;
}

/** Relays the hook's summary lines now and then, warnings and errors at once. */
export function relay(
  progress: Progress,
  prefix: string,
  everyMs = 20_000,
): (l: TimedLine) => void {
  let lastAt = 0;
  return (line) => {
    const text = line.text.replace(/^\[\d\d:\d\d:\d\d\] /, '');
    const summary = text.startsWith('[onload ');
    if (/^(WARN|ERROR): /.test(text) || (summary && line.at - lastAt >= everyMs)) {
      if (summary) lastAt = line.at;
      progress(`${prefix} ${text}`);
    }
  };
}

export async function runRolloutCase(
  ctx: CaseContext,
  nodes: number,
  concurrency: number,
  fromVersion: string,
  toVersion: string,
): Promise<RolloutCase> {
  const { release, options, progress } = ctx;
  const label = `[${nodes} nodes, ${concurrency} at a time]`;
  const valuesFile = await release.valuesFile(
    release.values(toVersion, concurrency),
    `${toVersion}-${concurrency}`,
  );
  progress(`${label} pre (freeze) and helm upgrade --no-hooks to Onload ${toVersion}`);
  await runPhase(release, 'pre', valuesFile);
  await release.helm('upgrade', valuesFile);

  const floor = {
    nodes,
    concurrency,
    graceSeconds: options.graceSeconds,
    unloadMs: options.unloadMs,
    loadMs: options.loadMs,
    modules: ctx.modules,
    devicePluginStartSeconds: ctx.calibration.devicePluginStartSeconds,
  };
  const minimumSeconds = rolloutMinimumSeconds(floor);
  progress(
    `${label} post-upgrade ${fromVersion} → ${toVersion} on the host; minimum ${seconds(minimumSeconds)}`,
  );
  // The rollout invariants are checked while it runs, as in the e2e tests: speed bought by
  // breaking one is a failed case.
  const checker = new InvariantChecker({
    namespace: releaseNamespace,
    maxOutOfService: concurrency,
    sfcEnabled: ctx.modules > 1,
    kmmWritesVersionReady: options.kmm === 'stand-in',
  });
  const outages = new OutageRecorder(releaseNamespace);
  const observer = new ClusterObserver(release.kubeconfig, checker, outages);
  await observer.start();
  const loadBefore = loadavg()[0] ?? 0;
  const cpuBefore = bedCpuSeconds(ctx.stateDir);
  const stopBeat = heartbeat(60_000, (ms) => {
    progress(
      `${label} still rolling out (${seconds(ms / 1000)} of a ${seconds(minimumSeconds)} minimum)`,
    );
  });
  let run: MeasuredRun;
  try {
    run = await runMeasured(
      bundlePath('post'),
      await release.phaseEnv('post', valuesFile),
      relay(progress, label),
      options.hookNodeOptions,
    );
  } finally {
    stopBeat();
  }
  const loadAfter = loadavg()[0] ?? 0;
  const bedCpu = cpuSince(cpuBefore, bedCpuSeconds(ctx.stateDir));
  await observer.stop();
  checker.checkSettled(await selectedNodes(release), toVersion);
  if (checker.violations.length > 0)
    progress(
      `${label} FAILED: ${checker.violations.length} invariant violation(s), first: ${checker.violations[0]?.invariant ?? ''}: ${checker.violations[0]?.detail ?? ''}`,
    );
  const logFile = join(ctx.logDir, `post-${nodes}-${concurrency}.log`);
  await writeLog(logFile, run);
  if (run.code !== 0) progress(`${label} post exited with ${run.code}; see ${logFile}`);

  await new Promise((r) => setTimeout(r, auditSettleMs));
  const summary = summariseRequests(parseAuditLog(await readFile(ctx.auditLog, 'utf8')), {
    user: serviceAccountUser(releaseNamespace, hooksAccount),
    from: run.startedAt,
    to: run.endedAt + auditSettleMs,
  });
  const transitions = run.lines.map(parseTransition).filter((t) => t !== undefined);
  const started = firstStartAt(transitions);
  const process = processFigures(run);
  const bedFloor = bedFloorSeconds(nodes, concurrency, {
    ...ctx.calibration,
    graceSeconds: options.graceSeconds,
    modules: ctx.modules,
  });
  return {
    nodes,
    concurrency,
    fromVersion,
    toVersion,
    process,
    perNodeMinimumSeconds: perNodeMinimumSeconds(floor),
    minimumSeconds,
    ratio: overheadRatio(process.wallSeconds, minimumSeconds),
    bedFloorSeconds: bedFloor,
    bedRatio: overheadRatio(process.wallSeconds, bedFloor),
    requests: requestFigures(summary, nodes),
    ...(summary.firstNodePatchAt !== undefined
      ? { firstNodePatchSeconds: (summary.firstNodePatchAt - run.startedAt) / 1000 }
      : {}),
    ...(started !== undefined ? { firstNodeStartedSeconds: (started - run.startedAt) / 1000 } : {}),
    states: stateStats(transitions),
    safety: { violations: checker.violations, ...outages.figures() },
    loadAverage: { before: loadBefore, after: loadAfter },
    bedCpuSeconds: bedCpu,
    logFile,
  };
}

async function selectedNodes(release: BenchRelease): Promise<string[]> {
  const { stdout } = await release.kubectl([
    'get',
    'nodes',
    '-l',
    `${solarflareLabel}=true`,
    '-o',
    'jsonpath={.items[*].metadata.name}',
  ]);
  return stdout.split(/\s+/).filter(Boolean);
}
