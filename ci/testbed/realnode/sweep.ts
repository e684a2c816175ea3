// The leftover sweep: a real node whose test bed is gone (killed run, crashed owner) is torn
// down from its host record. Run by every `up` and by the watchdog.
import { join } from 'node:path';
import type { Progress } from '../../lib/progress.ts';
import { isAlive, recordedPids } from '../supervisor.ts';
import { readHostRecord, type HostRecord } from './host-record.ts';
import { tearDownRealNode } from './teardown.ts';

function bedAlive(record: HostRecord): boolean {
  return recordedPids(record.stateDir).some(isAlive);
}

/** Tears down a dead bed's real node; returns the record of a live one (or undefined). */
export async function sweepDeadRealNode(progress: Progress): Promise<HostRecord | undefined> {
  const record = await readHostRecord();
  if (!record) return undefined;
  if (bedAlive(record)) return record;
  progress(`removing the host state a stopped test bed's real node left (${record.stateDir})`);
  await tearDownRealNode(record, join(record.stateDir, 'admin.kubeconfig'));
  return undefined;
}
