import { progressTo } from '../lib/progress.ts';
import { testAgentOptions } from './agents/start.ts';
import { stateEnv } from './session.ts';
import { startTestBed } from './test-bed.ts';

export default async function setup(): Promise<void> {
  const state = await startTestBed(progressTo('testbed'), testAgentOptions);
  process.env[stateEnv] = state.stateDir;
}
