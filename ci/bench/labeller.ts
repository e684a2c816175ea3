// The labeller case: the node labeller runs on the host (the chart's Deployment environment, its
// own ServiceAccount), then `joining` nodes join the selector at once; measured until every one
// carries the KMM version labels of the live Modules.
import { KubeConfig } from '@kubernetes/client-node';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { kmmVersionLabel, moduleNames } from '../../hooks/src/contract.ts';
import type { Progress } from '../lib/progress.ts';
import { waitFor } from '../lib/wait.ts';
import { addNodes } from '../testbed/cluster.ts';
import { parseAuditLog, serviceAccountUser, summariseRequests } from './audit.ts';
import { startMeasured } from './measured.ts';
import { bundlePath, labellerAccount, releaseNamespace, type BenchRelease } from './release.ts';
import { processFigures, requestFigures, type LabellerCase } from './results.ts';
import { relay, writeLog } from './rollout.ts';
import { Watched } from './watch.ts';

const joinedLabel = 'bench.onload.amd.com/joined';
/** After its "watching" line, time for the labeller's first lists to arrive. */
const warmUpMs = 3000;

export async function runLabellerCase(ctx: {
  readonly release: BenchRelease;
  readonly version: string;
  readonly existingNodes: number;
  readonly joining: number;
  readonly auditLog: string;
  readonly logDir: string;
  readonly progress: Progress;
  readonly hookNodeOptions: readonly string[];
}): Promise<LabellerCase> {
  const { release, version, progress } = ctx;
  const label = `[labeller, ${ctx.existingNodes} + ${ctx.joining} nodes]`;
  const valuesFile = await release.valuesFile(
    release.values(version, 1, { labeller: { enabled: true } }),
    `labeller-${version}`,
  );
  await release.applyRbac(valuesFile, 'templates/labeller.yaml', labellerAccount);
  let watching = false;
  let exitCode: number | undefined;
  const relayLine = relay(progress, label);
  const running = await startMeasured(
    bundlePath('labeller'),
    await release.labellerEnv(valuesFile),
    (line) => {
      if (line.text.includes('labeller: watching')) watching = true;
      relayLine(line);
    },
    ctx.hookNodeOptions,
  );
  void running.done.then((r) => {
    exitCode = r.code;
  });
  const kc = new KubeConfig();
  kc.loadFromFile(release.kubeconfig);
  const joined = await Watched.nodes(kc, { labelSelector: joinedLabel }).start();
  try {
    await waitFor('the labeller to start watching', () => Promise.resolve(watching), {
      timeoutMs: 30_000,
      describe: () => (exitCode === undefined ? '' : `it exited with ${exitCode}`),
    });
    await sleep(warmUpMs);
    const names = Array.from(
      { length: ctx.joining },
      (_, i) => `joining-${String(i + 1).padStart(4, '0')}`,
    );
    progress(`${label} ${ctx.joining} nodes join the selector at once`);
    const joinStartedAt = Date.now();
    await addNodes(
      release.kubeconfig,
      names.map((name) => ({ name, solarflare: true, labels: { [joinedLabel]: 'true' } })),
    );
    const createdAt = Date.now();
    const onloadKey = kmmVersionLabel(releaseNamespace, moduleNames.onload);
    const sfcKey = kmmVersionLabel(releaseNamespace, moduleNames.sfc);
    const allLabelledAt = await joined.until(
      `all ${ctx.joining} joining nodes labelled for onload ${version}`,
      (items) =>
        items.length === ctx.joining &&
        items.every((n) => {
          const l = n.metadata?.labels ?? {};
          return l[onloadKey] === version && l[sfcKey] === version;
        }),
      600_000,
    );
    const run = await running.stop();
    const logFile = join(ctx.logDir, `labeller-${ctx.existingNodes}.log`);
    await writeLog(logFile, run);
    await sleep(1500);
    const requests = parseAuditLog(await readFile(ctx.auditLog, 'utf8'));
    const user = serviceAccountUser(releaseNamespace, labellerAccount);
    const during = summariseRequests(requests, { user, from: joinStartedAt, to: allLabelledAt });
    const startup = summariseRequests(requests, {
      user,
      from: run.startedAt,
      to: joinStartedAt - 1,
    });
    return {
      existingNodes: ctx.existingNodes,
      joinedNodes: ctx.joining,
      allLabelledSeconds: (allLabelledAt - joinStartedAt) / 1000,
      afterLastCreatedSeconds: (allLabelledAt - createdAt) / 1000,
      ...(during.firstNodePatchAt !== undefined
        ? { firstLabelSeconds: (during.firstNodePatchAt - joinStartedAt) / 1000 }
        : {}),
      process: processFigures(run),
      requests: requestFigures(during, ctx.joining),
      startupRequests: startup.total,
      logFile,
    };
  } finally {
    await joined.stop();
    await running.stop();
  }
}
