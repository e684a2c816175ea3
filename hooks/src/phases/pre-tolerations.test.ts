// The pre hook on a KMM without Module tolerations (< 2.3), where a cordon unloads Onload: it warns,
// naming the fix, and carries on; without the right to read the Module CRD it says so and carries on.
import { describe, expect, it } from '@jest/globals';
import type { MemoryKube } from '../testing/memory-kube.ts';
import { cluster, context, spec } from '../testing/phase-setup.ts';
import { runPre } from './pre.ts';

const kmm22Crd: MemoryKube['moduleCrd'] = {
  versions: [
    {
      name: 'v1beta1',
      served: true,
      specFields: ['devicePlugin', 'imageRepoSecret', 'moduleLoader', 'selector'],
    },
  ],
};
const warning = 'KMM < 2.3: a cordon or untolerated taint unloads Onload on that node';

async function preLog(
  moduleCrd: MemoryKube['moduleCrd'],
): Promise<{ exitCode: number; log: string; patched: number }> {
  const kube = cluster({ nodes: ['node-0', 'node-1'] });
  kube.moduleCrd = moduleCrd;
  const ctx = context(kube, spec({ version: 'v1' }));
  const result = await runPre(ctx);
  return {
    exitCode: result.exitCode,
    log: ctx.lines.join('\n'),
    patched: kube.requests.get('patchNode') ?? 0,
  };
}

describe('pre: KMM Module tolerations', () => {
  it('warns on KMM < 2.3 (no spec.tolerations in the Module CRD), and only there, naming the fix, and freezes the nodes', async () => {
    const { exitCode, log, patched } = await preLog(kmm22Crd);
    expect(exitCode).toBe(0);
    expect(log).toContain(warning);
    expect(log).toContain('Upgrade KMM to 2.3 or later');
    expect(patched).toBe(2);
    const withTolerations = await preLog({
      versions: [
        { name: 'v1beta1', served: true, specFields: ['moduleLoader', 'selector', 'tolerations'] },
      ],
    });
    expect(withTolerations.exitCode).toBe(0);
    expect(withTolerations.log).not.toContain('KMM < 2.3');
    expect(withTolerations.log).not.toContain('forbidden');
  });

  it('says it cannot tell when reading the Module CRD is forbidden, and carries on', async () => {
    const { exitCode, log, patched } = await preLog('forbidden');
    expect(exitCode).toBe(0);
    expect(log).toContain(
      'cannot read the CustomResourceDefinition modules.kmm.sigs.x-k8s.io (forbidden)',
    );
    expect(log).not.toContain(warning);
    expect(patched).toBe(2);
  });
});
