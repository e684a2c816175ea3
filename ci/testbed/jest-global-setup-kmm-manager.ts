// The `kmm-manager` jest project: its own test bed, where the real KMM manager (not the stand-in)
// drives Modules. Its own bed because the manager and the stand-in both act on every Module in
// the cluster; kept apart from the `cluster` project's bed under its own environment variable.
import { progressTo } from '../lib/progress.ts';
import { ensureTools } from '../tools/build.ts';
import { testAgentOptions } from './agents/start.ts';
import { startCluster } from './cluster.ts';
import { installCrds, thirdPartyCrdPaths } from './crds.ts';
import { kmmManagerStateEnv } from './session.ts';

export default async function setup(): Promise<void> {
  const progress = progressTo('testbed kmm-manager');
  await ensureTools(['kubernetes', 'etcd', 'kwok', 'helm3', 'helm4'], progress);
  const state = await startCluster({
    nodes: 6,
    ownerPid: process.pid,
    progress,
    agents: { ...testAgentOptions, kmm: 'manager' },
  });
  await installCrds(state.kubeconfig, await thirdPartyCrdPaths());
  process.env[kmmManagerStateEnv] = state.stateDir;
}
