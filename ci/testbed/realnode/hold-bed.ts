// Helper of killed-bed.host.test.ts: starts a one-node bed with a real node owned by this
// process, runs a pod there (so cgroups, mounts, a netns and a veth exist), prints
// `READY <state-dir>` and waits to be killed.
import { stringify } from 'yaml';
import { run } from '../../lib/process.ts';
import { progressTo } from '../../lib/progress.ts';
import { waitFor } from '../../lib/wait.ts';
import { binaryPath } from '../../tools/build.ts';
import { startCluster } from '../cluster.ts';
import { realNodeScheduling, sandboxImage } from './config.ts';

const bed = await startCluster({
  nodes: 1,
  ownerPid: process.pid,
  realNode: {},
  progress: progressTo('hold-bed'),
});
const kubectl = (args: readonly string[], input?: string) =>
  run(binaryPath('kubernetes', 'kubectl'), ['--kubeconfig', bed.kubeconfig, ...args], {
    ...(input === undefined ? {} : { input }),
  });
const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'held', namespace: 'default' },
  spec: {
    ...realNodeScheduling,
    containers: [{ name: 'pause', image: sandboxImage, imagePullPolicy: 'Never' }],
  },
};
await kubectl(['create', '-f', '-'], stringify(pod));
await waitFor(
  'the held pod to run on the real node',
  async () =>
    (await kubectl(['get', 'pod', 'held', '-o', 'jsonpath={.status.phase}'])).stdout === 'Running',
  { timeoutMs: 90_000, intervalMs: 500 },
);
console.log(`READY ${bed.stateDir}`);
setInterval(() => undefined, 60_000);
