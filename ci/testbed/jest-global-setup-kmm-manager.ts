// The `kmm-manager` jest project: its own test bed, where the real KMM manager (not the stand-in)
// drives Modules. Its own bed because the manager and the stand-in both act on every Module in
// the cluster; kept apart from the `cluster` project's bed under its own environment variable.
import { progressTo } from '../lib/progress.ts';
import { testAgentOptions } from './agents/start.ts';
import { startTestBed } from './test-bed.ts';
import { kmmManagerStateEnv } from './session.ts';

export default async function setup(): Promise<void> {
  const state = await startTestBed(progressTo('testbed kmm-manager'), {
    ...testAgentOptions,
    kmm: 'manager',
  });
  process.env[kmmManagerStateEnv] = state.stateDir;
}
