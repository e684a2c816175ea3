import { describe, expect, it } from '@jest/globals';
import { UsageError } from '../args.ts';
import { firmwareRequest } from '../firmware/request.ts';
import { Failure } from './command.ts';
import { chooseNodes, plannedSteps } from './firmware.ts';

const t = { onloadNodes: ['w1', 'w2'], allNodes: ['w1', 'w2', 'cp'] };

describe('kubectl onload firmware', () => {
  it('works on one node, or every Onload node with --all', () => {
    expect(chooseNodes('cp', false, t)).toEqual(['cp']);
    expect(chooseNodes(undefined, true, t)).toEqual(['w1', 'w2']);
    expect(() => chooseNodes(undefined, false, t)).toThrow(UsageError);
    expect(() => chooseNodes('w1', true, t)).toThrow('not both');
    expect(() => chooseNodes('nope', false, t)).toThrow(Failure);
    expect(() => chooseNodes(undefined, true, { ...t, onloadNodes: [] })).toThrow(
      'selects no node',
    );
  });

  it('a dry run lists the drain, the commands, the reload and the resume', () => {
    const request = firmwareRequest({ sfboot: 'firmware-variant=full-feature', sfupdate: true });
    expect(plannedSteps(request, true, ['apps/a'])).toEqual([
      'pause the node and evict 1 pod(s) using amd.com/onload: apps/a',
      'run: sfboot firmware-variant=full-feature',
      'run: sfupdate --write --yes',
      'reload the driver through KMM (onload out, sfc out, sfc in, onload in)',
      'remove the pause and wait for the device plugin to be Ready',
      expect.stringContaining('next reboot'),
    ]);
    expect(plannedSteps(firmwareRequest({}), false, [])).toEqual([
      'not an Onload node of the release: nothing to drain',
      'run: nothing (give --sfboot and/or --sfupdate)',
    ]);
  });
});
