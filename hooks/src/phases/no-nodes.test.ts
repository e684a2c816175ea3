// An install whose selector matches no node says so: in the pre and post hook logs and in the
// Onload status (NoNodesSelected).
import { describe, expect, it } from '@jest/globals';
import { cluster, context, spec } from '../testing/phase-setup.ts';
import { runPost } from './post.ts';
import { runPre } from './pre.ts';

describe('a selector that matches no node', () => {
  it('pre succeeds but warns that no node gets Onload, naming the label stock NFD sets', async () => {
    const kube = cluster({ nodes: [] });
    const ctx = context(kube, spec({ version: 'v1' }));
    const result = await runPre(ctx);
    expect(result.exitCode).toBe(0);
    const log = ctx.lines.join('\n');
    expect(log).toContain(
      'no node matches the selector feature.node.kubernetes.io/pci-1924.present=true',
    );
    expect(log).toContain('pci-0200_1924.present');
    expect(log).toContain('nodeFeatureRule.enabled=true');
  });

  it('post succeeds, warns the same and says NoNodesSelected in the Onload status', async () => {
    const kube = cluster({ nodes: [], moduleVersion: 'v1' });
    const ctx = context(kube, spec({ version: 'v1' }));
    const result = await runPost(ctx);
    expect(result.exitCode).toBe(0);
    expect(ctx.lines.join('\n')).toContain('no node matches the selector');
    expect(kube.statuses.at(-1)).toEqual(
      expect.objectContaining({
        phase: 'Installing',
        conditions: expect.arrayContaining([
          expect.objectContaining({ type: 'Ready', status: 'False', reason: 'NoNodesSelected' }),
        ]),
      }),
    );
  });
});
