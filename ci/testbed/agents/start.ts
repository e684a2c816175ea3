// Starts the agents for a test bed through the supervisor (so stopCluster and the watchdog stop
// them) and waits until their caches are filled.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../../lib/wait.ts';
import { isAlive, startProcess, tailOfLog } from '../supervisor.ts';
import { agentArgs, fixturesDir, hookBundlesDir, readyFile, type AgentOptions } from './options.ts';

export type { AgentOptions } from './options.ts';

/** What the cluster test project runs with: our hook bundles, then the agents' test fixtures. */
export const testAgentOptions: AgentOptions = { appDirs: [hookBundlesDir, fixturesDir] };

export async function startAgents(
  stateDir: string,
  kubeconfig: string,
  options: AgentOptions,
): Promise<void> {
  const pid = startProcess(stateDir, 'agents', process.execPath, [
    join(import.meta.dirname, 'main.ts'),
    ...agentArgs(kubeconfig, stateDir, options),
  ]);
  await waitFor(
    'the test-bed agents to start',
    () => {
      if (!isAlive(pid)) throw new Error(`agents exited:\n${tailOfLog(stateDir, 'agents')}`);
      return Promise.resolve(existsSync(readyFile(stateDir)));
    },
    { timeoutMs: 60_000, intervalMs: 200, describe: () => tailOfLog(stateDir, 'agents', 15) },
  );
}
