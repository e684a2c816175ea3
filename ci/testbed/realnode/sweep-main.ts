// node sweep-main.ts <state-dir>: the watchdog's step for a bed whose owner died — tears down
// that bed's real node (if it has the machine's real node) while its API server still runs.
import { readHostRecord } from './host-record.ts';
import { tearDownRealNode } from './teardown.ts';
import { join } from 'node:path';

const stateDir = process.argv[2];
const record = await readHostRecord();
if (stateDir && record?.stateDir === stateDir)
  await tearDownRealNode(record, join(stateDir, 'admin.kubeconfig'));
