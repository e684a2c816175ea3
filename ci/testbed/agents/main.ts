// The test bed's agents: a KMM stand-in, a kubelet stand-in for the chart's node pods, and a runner
// for our own pods. One process; started by cluster.ts through the supervisor.
import { writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { clientsFor, watchAll, type Change } from './kube/client.ts';
import { startKmm } from './kmm/controller.ts';
import { startImageChecks } from './kmm/image-checks.ts';
import { startPullKubelet } from './kmm/pull-kubelet.ts';
import { startWorkerKubelet } from './kmm/worker-kubelet.ts';
import { startKubelet } from './kubelet/controller.ts';
import { errorText, jsonLogger } from './log.ts';
import { parseAgentArgs, readyFile, type AgentConfig } from './options.ts';
import { startRunner } from './runner/controller.ts';

let config: AgentConfig;
try {
  config = parseAgentArgs(process.argv.slice(2));
} catch (error) {
  console.error(errorText(error));
  process.exit(2);
}

const log = jsonLogger('agents');
const clients = clientsFor(config.kubeconfig);
const handlers: ((change: Change) => void)[] = [];
const caches = watchAll(
  clients,
  (change) => {
    for (const handle of handlers) handle(change);
  },
  jsonLogger('watch'),
);
const timing = {
  loadMs: config.loadMs,
  unloadMs: config.unloadMs,
  retryMs: config.workerRetryMs,
};
const kmm =
  config.kmm === 'manager'
    ? startWorkerKubelet(clients, caches, timing, jsonLogger('kmm-workers'))
    : startKmm(clients, caches, { ...timing, kmmVersion: config.kmmVersion }, jsonLogger('kmm'));
const imageChecks =
  config.kmm === 'manager' ? undefined : startImageChecks(clients, caches, jsonLogger('kmm'));
const pullKubelet = startPullKubelet(clients, caches, jsonLogger('kmm-pulls'));
const kubelet = startKubelet(clients, caches, config.stateDir, jsonLogger('kubelet'));
const runner = startRunner(
  clients,
  caches,
  { stateDir: config.stateDir, appDirs: config.appDirs },
  jsonLogger('runner'),
);
handlers.push(kmm.onChange, pullKubelet.onChange, kubelet.onChange, runner.onChange);
if (imageChecks) handlers.push(imageChecks.onChange);

async function shutdown(signal: string): Promise<void> {
  log.info('stopping', { signal });
  kmm.stop();
  imageChecks?.stop();
  pullKubelet.stop();
  kubelet.stop();
  await runner.stop();
  await Promise.all(
    [caches.nodes, caches.pods, caches.modules, caches.nmcs, caches.mics].map((cache) =>
      cache.stop(),
    ),
  );
  process.exit(0);
}
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));

while (!caches.nodes.synced() || !caches.pods.synced()) await sleep(100);
await writeFile(readyFile(config.stateDir), `${process.pid}\n`);
log.info('agents ready', { ...config });
