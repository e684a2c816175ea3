import { ensureTroubleshootingFixtureImage } from '../image/fixture-image.ts';
import { progressTo } from '../lib/progress.ts';
import { testAgentOptions } from './agents/start.ts';
import { stateEnv } from './session.ts';
import { startTestBed } from './test-bed.ts';

export default async function setup(): Promise<void> {
  const progress = progressTo('testbed');
  // `kubectl onload debug` runs its report pods on the real node from this image.
  const fixture = await ensureTroubleshootingFixtureImage(progress);
  const state = await startTestBed(progress, testAgentOptions, [fixture.archive]);
  process.env[stateEnv] = state.stateDir;
}
