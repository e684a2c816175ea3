// npm run demo [-- --keep] [--nodes N]
// On the local test bed: install the chart (Onload A), start accelerated workloads, upgrade to
// Onload B with a live per-node view of the ordered rollout, print a summary, tear down. The
// chart's hook Jobs and labeller run as real containers of the hooks image (built from this
// checkout) on the bed's real kubelet node.
import { isatty } from 'node:tty';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { pausedLabel, stateLabel } from '../../hooks/src/contract.ts';
import { ensureHooksImage } from '../image/hooks-image.ts';
import { run } from '../lib/process.ts';
import { formatSeconds, progressTo } from '../lib/progress.ts';
import { binaryPath, ensureTools } from '../tools/build.ts';
import { startCluster, stopCluster } from '../testbed/cluster.ts';
import { installCrds, thirdPartyCrdPaths } from '../testbed/crds.ts';
import { InvariantChecker } from '../e2e/invariants.ts';
import { ClusterObserver } from '../e2e/observer.ts';
import { upgradeInstall, type Release } from '../e2e/release.ts';
import { hooksImageOf, OurPodsRecorder, realNodeValues } from '../e2e/real-node.ts';
import { realNodeName } from '../testbed/realnode/config.ts';
import { onloadValues, type Values } from '../e2e/values.ts';
import { sampleWorkloads, workloadNamespace } from '../e2e/workloads.ts';
import { renderSummary, renderTable, type NodeSnapshot, type NodeTimeline } from './view.ts';

const { values: flags } = parseArgs({
  options: { keep: { type: 'boolean', default: false }, nodes: { type: 'string', default: '4' } },
});
const say = progressTo('demo');
const fromVersion = '8.1.2.26';
const toVersion = '8.1.3.40';
const namespace = 'onload';

interface NodeList {
  items: {
    metadata: {
      name: string;
      labels?: Record<string, string>;
      annotations?: Record<string, string>;
    };
    status?: { allocatable?: Record<string, string> };
  }[];
}

async function nodeSnapshots(kubeconfig: string): Promise<NodeSnapshot[]> {
  const { stdout } = await run(binaryPath('kubernetes', 'kubectl'), [
    '--kubeconfig',
    kubeconfig,
    'get',
    'nodes',
    '-o',
    'json',
  ]);
  // The real node runs only our own pods; the rollout table shows the worker nodes.
  const workers = (JSON.parse(stdout) as NodeList).items.filter(
    (n) => n.metadata.name !== realNodeName,
  );
  return workers.map((n) => ({
    name: n.metadata.name,
    labels: n.metadata.labels ?? {},
    annotations: n.metadata.annotations ?? {},
    ...(n.status?.allocatable?.['amd.com/onload']
      ? { allocatableOnload: n.status.allocatable['amd.com/onload'] }
      : {}),
  }));
}

/** Redraws the node table every second while `work` runs; returns per-node timelines. */
async function watchRollout(
  kubeconfig: string,
  work: Promise<unknown>,
): Promise<Map<string, { startedAt?: number; doneAt?: number }>> {
  const timelines = new Map<string, { startedAt?: number; doneAt?: number }>();
  const tty = isatty(1);
  let drawn = 0;
  const progress = { finished: false };
  void work.finally(() => {
    progress.finished = true;
  });
  let last = '';
  while (!progress.finished) {
    const nodes = await nodeSnapshots(kubeconfig);
    const now = Date.now();
    for (const node of nodes) {
      const state = node.labels[stateLabel(namespace)];
      const t = timelines.get(node.name) ?? {};
      const working =
        node.labels[pausedLabel(namespace)] !== undefined ||
        (state !== undefined && !['upgrade-required', 'upgrade-done'].includes(state));
      if (working && t.startedAt === undefined) t.startedAt = now;
      if (state === 'upgrade-done' && t.startedAt !== undefined && t.doneAt === undefined)
        t.doneAt = now;
      timelines.set(node.name, t);
    }
    const table = renderTable(nodes, namespace, now, true);
    const text = table.join('\n');
    if (tty) {
      if (drawn > 0) process.stdout.write(`\x1b[${drawn}A\x1b[0J`);
      process.stdout.write(`${text}\n`);
      drawn = table.length;
    } else if (text !== last) {
      process.stdout.write(`--- ${new Date(now).toISOString().slice(11, 19)}\n${text}\n`);
    }
    last = text;
    await new Promise((r) => setTimeout(r, 1000));
  }
  return timelines;
}

const nodes = Number(flags.nodes);
await ensureTools(['kubernetes', 'kubelet', 'etcd', 'kwok', 'helm3'], progressTo('tools'));
say('the hooks image (built once per content of hooks/, cached)');
const hooksImage = await ensureHooksImage(progressTo('image'));
say(`${hooksImage.reference} (${hooksImage.digest})`);
const bed = await startCluster({
  nodes,
  progress: progressTo('testbed'),
  agents: {},
  realNode: { images: [hooksImage.archive] },
  ...(flags.keep ? {} : { ownerPid: process.pid }),
});
try {
  await installCrds(bed.kubeconfig, await thirdPartyCrdPaths('newest'));
  const release: Release = { name: 'onload', namespace, helm: 3, kubeconfig: bed.kubeconfig };
  const realNode = realNodeValues(hooksImageOf(bed));
  const values = (version: string): Values => onloadValues(version, realNode);
  const ourPods = new OurPodsRecorder(bed.kubeconfig, namespace);
  await ourPods.start();
  const showOurPods = async (): Promise<void> => {
    const ran = ourPods.pods().filter((p) => p.component === 'hook');
    say(
      `hook pods so far: ${ran.map((p) => `${p.name} ${p.phase} on ${p.node}`).join(', ') || 'none'}`,
    );
    const { stdout } = await run(binaryPath('kubernetes', 'kubectl'), [
      '--kubeconfig',
      bed.kubeconfig,
      'get',
      'pods',
      '-n',
      namespace,
      '-l',
      'app.kubernetes.io/component in (hook,labeller)',
      '-o',
      'wide',
    ]);
    console.log(stdout.trimEnd());
  };

  say(
    `helm install onload (Onload ${fromVersion}) on ${nodes} nodes — the post-install hook waits until every selected node has the driver and a Ready device plugin`,
  );
  const install = await upgradeInstall(release, values(fromVersion));
  if (install.code !== 0) throw new Error(`helm install failed:\n${install.stderr}`);
  say(`installed in ${install.seconds.toFixed(0)}s; our pods, real containers on the real node:`);
  await showOurPods();
  console.log(
    renderTable(await nodeSnapshots(bed.kubeconfig), namespace, Date.now(), true).join('\n'),
  );

  say(
    'starting accelerated workloads: Deployment trader (3) and StatefulSet pricer (2), each requesting amd.com/onload, with PodDisruptionBudgets',
  );
  await run(
    binaryPath('kubernetes', 'kubectl'),
    ['--kubeconfig', bed.kubeconfig, 'apply', '-f', '-'],
    {
      input: sampleWorkloads()
        .map((o) => stringify(o))
        .join('---\n'),
    },
  );
  for (const workload of ['deployment/trader', 'statefulset/pricer'])
    await run(binaryPath('kubernetes', 'kubectl'), [
      '--kubeconfig',
      bed.kubeconfig,
      'rollout',
      'status',
      '-n',
      workloadNamespace,
      workload,
      '--timeout=120s',
    ]);

  const checker = new InvariantChecker({ namespace, maxOutOfService: 1, sfcEnabled: true });
  const observer = new ClusterObserver(bed.kubeconfig, checker);
  await observer.start();
  say(
    `helm upgrade onload to Onload ${toVersion}: the post-upgrade hook rolls the driver node by node`,
  );
  const started = Date.now();
  const upgrade = upgradeInstall(release, values(toVersion));
  const timelines = await watchRollout(bed.kubeconfig, upgrade);
  const outcome = await upgrade;
  if (outcome.code !== 0) throw new Error(`helm upgrade failed:\n${outcome.stderr}`);
  await observer.stop();
  const finalNodes = await nodeSnapshots(bed.kubeconfig);
  const selected = (node: NodeSnapshot): boolean =>
    node.labels[`kmm.node.kubernetes.io/version-module.${namespace}.onload`] !== undefined;
  checker.checkSettled(
    finalNodes.filter(selected).map((n) => n.name),
    toVersion,
  );
  console.log(renderTable(finalNodes, namespace, Date.now(), true).join('\n'));
  const evictedOn = (node: string): number =>
    [...checker.evictions.values()].filter((e) => e.node === node).length;

  const summary: NodeTimeline[] = finalNodes.map((node) => ({
    selected: selected(node),
    node: node.name,
    ...timelines.get(node.name),
    evictions: evictedOn(node.name),
    ...(node.labels[`kmm.node.kubernetes.io/${namespace}.onload.version.ready`]
      ? { finalVersion: node.labels[`kmm.node.kubernetes.io/${namespace}.onload.version.ready`] }
      : {}),
  }));
  console.log(renderSummary(summary, Date.now() - started).join('\n'));
  const viaApi = [...checker.evictions.values()].filter((e) => e.viaApi).length;
  say(
    `${checker.evictions.size} workload pods evicted, ${viaApi} of them through the Eviction API (PodDisruptionBudgets honoured)`,
  );
  if (checker.violations.length > 0) {
    throw new Error(
      `rollout invariants broken:\n${checker.violations.map((v) => `  ${v.invariant}: ${v.detail}`).join('\n')}`,
    );
  }
  say(
    'rollout invariants held throughout: at most one node out, evictions only through the Eviction API, no relabel under running consumers, onload unloaded before sfc reloaded, no unpause before the new driver was ready',
  );
  const crd = await run(binaryPath('kubernetes', 'kubectl'), [
    '--kubeconfig',
    bed.kubeconfig,
    'get',
    'onload',
    '-n',
    namespace,
  ]);
  console.log(crd.stdout.trimEnd());
  await showOurPods();
  ourPods.stop();

  if (flags.keep) {
    say('the test bed stays up. Explore it:');
    console.log(`  export KUBECONFIG=${bed.kubeconfig}`);
    console.log(`  ${binaryPath('kubernetes', 'kubectl')} get nodes -L ${stateLabel(namespace)}`);
    console.log(
      `  ${binaryPath('kubernetes', 'kubectl')} get onload,modules,daemonsets,pods -n ${namespace}`,
    );
    console.log('  npm run cluster -- down --all   # when done');
  }
  say(`done in ${formatSeconds(Date.now() - Date.parse(bed.startedAt))}`);
} finally {
  if (!flags.keep) await stopCluster(bed.stateDir);
}
