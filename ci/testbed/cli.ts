// npm run cluster -- up [--nodes N] [--agents] [--real-node]   start a test bed that stays up (with
//                                     the KMM/kubelet stand-ins and our pods' runner; with a real
//                                     kubelet node testbed-real-1); prints its kubeconfig path
// npm run cluster -- status           list running test beds
// npm run cluster -- down [--all]     stop the test beds this checkout started (or every test bed)
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { progressTo } from '../lib/progress.ts';
import { clusterProcessesAlive, readClusterState, startCluster, stopCluster } from './cluster.ts';
import { forgetBeds, ownBeds, rememberBed } from './own-beds.ts';

const progress = progressTo('testbed');

async function allStateDirs(): Promise<string[]> {
  const entries = await readdir(tmpdir());
  return entries.filter((e) => e.startsWith('onload-testbed-')).map((e) => join(tmpdir(), e));
}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    nodes: { type: 'string', default: '6' },
    all: { type: 'boolean', default: false },
    agents: { type: 'boolean', default: false },
    'real-node': { type: 'boolean', default: false },
  },
});
const command = positionals[0] ?? 'status';

if (command === 'up') {
  const nodes = Number(values.nodes);
  if (!Number.isInteger(nodes) || nodes < 1) {
    console.error(`--nodes must be a positive integer, got "${values.nodes}"`);
    process.exit(2);
  }
  const state = await startCluster({
    nodes,
    progress,
    ...(values.agents ? { agents: {} } : {}),
    ...(values['real-node'] ? { realNode: {} } : {}),
  });
  await rememberBed(state.stateDir);
  progress(`stop it with: npm run cluster -- down`);
  console.log(state.kubeconfig);
} else if (command === 'down') {
  const dirs = values.all ? await allStateDirs() : await ownBeds();
  for (const dir of dirs) {
    await stopCluster(dir);
    progress(`stopped ${dir}`);
  }
  if (dirs.length === 0)
    progress(
      'this checkout started no test bed that is still listed (use --all to stop every test bed on this machine)',
    );
  await forgetBeds(dirs);
} else if (command === 'status') {
  const mine = await ownBeds();
  for (const dir of await allStateDirs()) {
    const alive = clusterProcessesAlive(dir).length;
    const state = existsSync(join(dir, 'state.json')) ? await readClusterState(dir) : undefined;
    console.log(
      `${dir}${mine.includes(dir) ? ' (this checkout)' : ''}: ${alive} processes running${state ? `, ${state.nodes.length} nodes, kubeconfig ${state.kubeconfig}` : ''}`,
    );
  }
} else {
  console.error(
    'usage: npm run cluster -- up [--nodes N] [--agents] [--real-node] | status | down [--all]',
  );
  process.exit(2);
}
