// node sweep-main.ts <state-dir>: the watchdog's step for a bed whose owner died — tears down
// that bed's real node (if it has one) while its API server still runs.
import { join } from 'node:path';
import { hostRecordOf } from './host-record.ts';
import { tearDownRealNode } from './teardown.ts';

const stateDir = process.argv[2];
const record = stateDir ? await hostRecordOf(stateDir) : undefined;
if (stateDir && record) await tearDownRealNode(record, join(stateDir, 'admin.kubeconfig'));
