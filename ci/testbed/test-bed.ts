// The test bed the cluster tests, the kmm-manager project and chart-testing's install share: 6
// fake nodes, the agents, the real node running the hooks image built from this checkout, and
// the third-party CRDs.
import { ensureHooksImage } from '../image/hooks-image.ts';
import type { Progress } from '../lib/progress.ts';
import { ensureTools } from '../tools/build.ts';
import type { AgentOptions } from './agents/start.ts';
import { startCluster, type ClusterState } from './cluster.ts';
import { installCrds, thirdPartyCrdPaths } from './crds.ts';

/** `extraImages`: more OCI archives for the real node (e.g. the troubleshooting fixture image). */
export async function startTestBed(
  progress: Progress,
  agents: AgentOptions,
  extraImages: readonly string[] = [],
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
    realNode: { images: [(await ensureHooksImage(progress)).archive, ...extraImages] },
  });
  await installCrds(
    state.kubeconfig,
    await thirdPartyCrdPaths(agents.kmm === 'manager' ? 'pinned' : 'newest'),
  );
  return state;
}
