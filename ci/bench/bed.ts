// One test bed of N nodes for the bench: start it (audit log for our ServiceAccounts, the KMM
// stand-in or the real KMM manager, worker pods with the bench's delays), install Onload A (pre, helm install --no-hooks, post), calibrate the
// bed, start the consumers, then the rollout cases (each to a new version) and the labeller case.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { run } from '../lib/process.ts';
import type { Progress } from '../lib/progress.ts';
import { hookBundlesDir } from '../testbed/agents/options.ts';
import { startCluster, stopCluster } from '../testbed/cluster.ts';
import { installCrds, thirdPartyCrdPaths } from '../testbed/crds.ts';
import { binaryPath } from '../tools/build.ts';
import { serviceAccountUser } from './audit.ts';
import { calibrate } from './calibrate.ts';
import { runLabellerCase } from './labeller.ts';
import type { BenchOptions } from './options.ts';
import { BenchRelease, hooksAccount, labellerAccount, releaseNamespace } from './release.ts';
import type { BedResult, RolloutCase } from './results.ts';
import { relay, runPhase, runRolloutCase } from './rollout.ts';
import { seconds } from './table.ts';
import { benchWorkload, workloadName, workloadNamespace } from './workload.ts';

export const firstVersion = '8.1.2.26';

/** The version the i-th rollout of a bed goes to (i from 1). */
export function versionAfter(i: number): string {
  return `8.1.${2 + i}.${10 + i}`;
}

const calibrationSamples = 3;

export function benchNodeName(i: number): string {
  return `bench-${String(i).padStart(4, '0')}`;
}

export async function runBed(
  nodes: number,
  concurrencies: readonly number[],
  options: BenchOptions,
  logDir: string,
  progress: Progress,
): Promise<BedResult> {
  const bed = await startCluster({
    nodes: Array.from({ length: nodes }, (_, i) => ({
      name: benchNodeName(i + 1),
      solarflare: true,
    })),
    agents: {
      loadMs: options.loadMs,
      unloadMs: options.unloadMs,
      appDirs: [hookBundlesDir],
      kmm: options.kmm,
    },
    audit: {
      users: [
        serviceAccountUser(releaseNamespace, hooksAccount),
        serviceAccountUser(releaseNamespace, labellerAccount),
      ],
    },
    ownerPid: process.pid,
    progress,
  });
  const dir = await mkdtemp(join(tmpdir(), 'onload-bench-'));
  try {
    const auditLog = bed.auditLog ?? '';
    const release = new BenchRelease(bed, dir);
    const kubectl = (args: readonly string[], input?: string) =>
      run(binaryPath('kubernetes', 'kubectl'), ['--kubeconfig', bed.kubeconfig, ...args], {
        ...(input !== undefined ? { input } : {}),
      });
    await installCrds(
      bed.kubeconfig,
      await thirdPartyCrdPaths(options.kmm === 'manager' ? 'pinned' : 'newest'),
    );
    await kubectl(['create', 'namespace', releaseNamespace]);

    progress(
      `[${nodes} nodes] installing Onload ${firstVersion}: pre, helm install --no-hooks, post`,
    );
    const installStarted = Date.now();
    const valuesA = await release.valuesFile(release.values(firstVersion, 1), firstVersion);
    await release.applyRbac(valuesA, 'templates/hooks-rbac.yaml', hooksAccount);
    await runPhase(release, 'pre', valuesA);
    await release.helm('install', valuesA);
    await runPhase(release, 'post', valuesA, relay(progress, `[${nodes} nodes] install:`));
    const installSeconds = (Date.now() - installStarted) / 1000;
    progress(`[${nodes} nodes] installed in ${seconds(installSeconds)}`);

    const calibration = await calibrate({
      kubeconfig: bed.kubeconfig,
      namespace: releaseNamespace,
      node: benchNodeName(1),
      version: firstVersion,
      samples: calibrationSamples,
      versionReadyLabel: options.kmm === 'stand-in',
      progress,
    });

    const maxConcurrency = Math.max(...concurrencies);
    progress(
      `[${nodes} nodes] starting ${nodes} consumers (one per node, ${options.graceSeconds}s grace)`,
    );
    await kubectl(
      ['apply', '-f', '-'],
      benchWorkload({ replicas: nodes, graceSeconds: options.graceSeconds, maxConcurrency })
        .map((d) => stringify(d))
        .join('---\n'),
    );
    const consumersBack = (): Promise<unknown> =>
      kubectl([
        'wait',
        '-n',
        workloadNamespace,
        `deployment/${workloadName}`,
        `--for=jsonpath={.status.availableReplicas}=${nodes}`,
        '--timeout=30m',
      ]);
    await consumersBack();

    const cases: RolloutCase[] = [];
    let version = firstVersion;
    // Largest concurrency first: the quick cases are in before the long one.
    for (const [i, concurrency] of [...concurrencies].sort((a, b) => b - a).entries()) {
      const next = versionAfter(i + 1);
      const result = await runRolloutCase(
        {
          release,
          options,
          calibration,
          modules: 2,
          auditLog,
          logDir,
          stateDir: bed.stateDir,
          progress,
        },
        nodes,
        concurrency,
        version,
        next,
      );
      cases.push(result);
      progress(
        `[${nodes} nodes, ${concurrency} at a time] wall ${seconds(result.process.wallSeconds)}, minimum ${seconds(result.minimumSeconds)}, ratio ${result.ratio.toFixed(2)}, ${result.requests.perNode.toFixed(1)} requests/node`,
      );
      version = next;
      if (result.process.exitCode !== 0) break;
      await consumersBack();
    }

    const labeller =
      options.labellerNodes > 0
        ? await runLabellerCase({
            release,
            version,
            existingNodes: nodes,
            joining: options.labellerNodes,
            auditLog,
            logDir,
            progress,
            hookNodeOptions: options.hookNodeOptions,
          })
        : undefined;
    return {
      nodes,
      bedStartSeconds: bed.startSeconds,
      installSeconds,
      calibration,
      cases,
      ...(labeller ? { labeller } : {}),
    };
  } finally {
    await stopCluster(bed.stateDir);
    await rm(dir, { recursive: true, force: true });
  }
}
