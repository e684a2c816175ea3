import { ensureHooksImage } from '../image/hooks-image.ts';
import { progressTo } from '../lib/progress.ts';
import { ensureTools } from '../tools/build.ts';
import { testAgentOptions } from './agents/start.ts';
import { startCluster } from './cluster.ts';
import { installCrds, thirdPartyCrdPaths } from './crds.ts';
import { stateEnv } from './session.ts';

export default async function setup(): Promise<void> {
  const progress = progressTo('testbed');
  await ensureTools(
    ['kubernetes', 'kubelet', 'etcd', 'kwok', 'helm3', 'helm4', 'chartTesting'],
    progress,
  );
  const state = await startCluster({
    nodes: 6,
    ownerPid: process.pid,
    progress,
    agents: testAgentOptions,
    // Our pods run as real containers of the hooks image built from this checkout.
    realNode: { images: [(await ensureHooksImage(progress)).archive] },
  });
  await installCrds(state.kubeconfig, await thirdPartyCrdPaths());
  process.env[stateEnv] = state.stateDir;
}
