// The leftover sweep: a real node whose test bed is gone (killed run, crashed owner) is torn
// down from its host record. Run by every `up` and by the watchdog.
import { join } from 'node:path';
import type { Progress } from '../../lib/progress.ts';
import { recordedPids } from '../supervisor.ts';
import { readHostRecords, type HostRecord } from './host-record.ts';
import { tearDownRealNode } from './teardown.ts';

function bedAlive(record: HostRecord): boolean {
  return recordedPids(record.stateDir).length > 0;
}

/** Tears down the real nodes of dead beds; returns the records of the live ones. */
export async function sweepDeadRealNodes(progress: Progress): Promise<HostRecord[]> {
  const live: HostRecord[] = [];
  for (const record of await readHostRecords()) {
    if (bedAlive(record)) {
      live.push(record);
      continue;
    }
    progress(`removing the host state a stopped test bed's real node left (${record.stateDir})`);
    await tearDownRealNode(record, join(record.stateDir, 'admin.kubeconfig'));
  }
  return live;
}
