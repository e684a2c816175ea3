// The assertion every e2e flow makes about our own pods on the test bed's real node.
import { expect } from '@jest/globals';
import { realNodeName } from '../testbed/realnode/config.ts';
import type { ImportedImage } from '../testbed/realnode/start.ts';
import { fromImage, notOnRealNode, type OurPodsRecorder } from './real-node.ts';

/** Hook Jobs completed and the labeller runs, all on the real node from this run's image. */
export function expectRealPods(pods: OurPodsRecorder, image: ImportedImage): void {
  const hooks = pods.pods('hook');
  expect(hooks.filter((p) => p.phase === 'Succeeded').length).toBeGreaterThanOrEqual(2);
  expect(hooks.filter((p) => p.phase === 'Failed')).toEqual([]);
  const labeller = pods.pods('labeller').filter((p) => !p.deleted);
  expect(labeller.map((p) => [p.node, p.running, fromImage(p.imageId, image)])).toEqual([
    [realNodeName, true, true],
  ]);
  expect(notOnRealNode(pods.pods(), image)).toEqual([]);
}
