import { ensureHooksImage } from '../image/hooks-image.ts';
import { progressTo, type Progress } from '../lib/progress.ts';
import { ensureTools } from '../tools/build.ts';
import { testAgentOptions, type AgentOptions } from './agents/start.ts';
import { startCluster, type ClusterState } from './cluster.ts';
import { installCrds, thirdPartyCrdPaths } from './crds.ts';
import { stateEnv } from './session.ts';

/** The bed the cluster-test projects share: 6 fake nodes, the agents, and the real node. */
export async function startTestBed(
  progress: Progress,
  agents: AgentOptions,
): Promise<ClusterState> {
  await ensureTools(
    ['kubernetes', 'kubelet', 'etcd', 'kwok', 'helm3', 'helm4', 'chartTesting'],
    progress,
  );
  const state = await startCluster({
    nodes: 6,
    ownerPid: process.pid,
    progress,
    agents,
    // Our pods run as real containers of the hooks image built from this checkout.
    realNode: { images: [(await ensureHooksImage(progress)).archive] },
  });
  await installCrds(state.kubeconfig, await thirdPartyCrdPaths());
  return state;
}

export default async function setup(): Promise<void> {
  const state = await startTestBed(progressTo('testbed'), testAgentOptions);
  process.env[stateEnv] = state.stateDir;
}
