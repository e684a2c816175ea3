import { stopCluster } from './cluster.ts';
import { kmmManagerStateEnv } from './session.ts';

export default async function teardown(): Promise<void> {
  const dir = process.env[kmmManagerStateEnv];
  if (dir) await stopCluster(dir);
}
