import { stopCluster } from './cluster.ts';
import { stateEnv } from './session.ts';

export default async function teardown(): Promise<void> {
  const dir = process.env[stateEnv];
  if (dir) await stopCluster(dir);
}
