// NOTES.txt (printed by helm install/upgrade): how to watch nodes, the CR and the hook logs, and
// which --timeout to give Helm. Node label keys come from the node contract. Rendered by Helm 4's
// client-side dry run (Helm 3's needs a cluster: chart.cluster.test.ts checks its NOTES).
import { describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { kmmVersionLabel, kmmVersionReadyLabel, stateLabel } from '../../../hooks/src/contract.ts';
import { chartDir, helm } from '../../../ci/lib/helm.ts';
import { kmm22ModuleCrd, withModuleTolerations } from './lib/kmm-module-crd.ts';
import { chartWithModuleCrd } from './lib/lookup-stub.ts';
import { variantFile, type Variant } from './lib/render.ts';

const ns = 'trading-ns';

async function notes(variant: Variant, chart = chartDir): Promise<string> {
  const out = await helm(
    4,
    [
      'install',
      'trading',
      chart,
      '--namespace',
      ns,
      '--values',
      variantFile(variant),
      '--dry-run=client',
    ],
    // no cluster: a client-side dry run must not need one
    { env: { KUBECONFIG: join(tmpdir(), 'no-such-kubeconfig') } },
  );
  const start = out.stdout.indexOf('NOTES:\n');
  if (start < 0) throw new Error(`no NOTES in helm output:\n${out.stdout.slice(-500)}`);
  return out.stdout.slice(start);
}

describe('NOTES.txt', () => {
  it('tells how to watch the nodes, the Onload CR and the hook logs', async () => {
    const text = await notes('minimal');
    expect(text).toContain(
      `kubectl get nodes -L ${stateLabel(ns)} -L ${kmmVersionLabel(ns, 'onload')} -L ${kmmVersionReadyLabel(ns, 'onload')}`,
    );
    expect(text).toContain(`kubectl get onload -n ${ns}`);
    expect(text).toContain(`kubectl logs -n ${ns} job/trading-onload-post --follow`);
    expect(text).toContain('Modules "onload" and "sfc"');
  });

  it('asks for a --timeout above the hook deadline and warns about Helm 4 --wait', async () => {
    expect(await notes('minimal')).toContain('--timeout 3900s');
    const canary = await notes('canary-policy');
    expect(canary).toContain('(7200s)');
    expect(canary).toContain('--timeout 7500s');
    expect(canary).toContain('--wait=hookOnly');
  });

  it('says how to keep the release after a refused uninstall', async () => {
    const text = await notes('minimal');
    expect(text).toContain(`helm rollback trading <revision> -n ${ns}`);
    expect(text).toContain(`helm history trading -n ${ns} shows as uninstalling`);
  });

  it('sizes hooks.timeoutSeconds for N nodes from the per-node timeouts and maxParallelUpgrades', async () => {
    const minimal = await notes('minimal');
    expect(minimal).toContain(
      'a node takes at most 1500s (the sum of upgrade.timeouts), 1 at a time',
    );
    expect(minimal).toContain('1500 × N / 1 (rounded up) + 300 seconds');
    expect(minimal).toContain('3600s covers 2 node(s) even at their worst case');
    expect(minimal).toContain('A post hook that runs out of time fails, naming the nodes left');
    const canary = await notes('canary-policy');
    expect(canary).toContain('1800 × N / 2 (rounded up) + 300 seconds');
    expect(canary).toContain('7200s covers 6 node(s) even at their worst case');
  });

  it('warns about the reboots a MachineConfig causes', async () => {
    expect(await notes('machineconfig-on')).toContain('reboot the nodes of pool "worker"');
    expect(await notes('minimal')).not.toContain('MachineConfig');
  });

  it('names the selected nodes and, while the default label is needed, the label stock NFD sets', async () => {
    const minimal = await notes('minimal');
    expect(minimal).toContain(
      'kubectl get nodes -l feature.node.kubernetes.io/pci-1924.present=true',
    );
    expect(minimal).toContain('feature.node.kubernetes.io/pci-0200_1924.present');
    expect(minimal).toContain('Set nodeFeatureRule.enabled=true');
    // its selector drops the default label
    expect(await notes('machineconfig-on')).not.toContain('pci-0200_1924');
    // no cluster to count the nodes: no warning that none is selected
    expect(minimal).not.toContain('WARNING: no node matches the selector');
  });

  it('warns that a cordon unloads Onload where the Module CRD has no tolerations (KMM < 2.3)', async () => {
    const kmm22 = await kmm22ModuleCrd();
    const warning = 'WARNING: KMM < 2.3 (its Module CRD has no spec.tolerations)';
    const onKmm22 = await notes('minimal', await chartWithModuleCrd(kmm22));
    expect(onKmm22).toContain(warning);
    expect(onKmm22).toContain('Upgrade KMM to 2.3');
    expect(
      await notes('minimal', await chartWithModuleCrd(withModuleTolerations(kmm22))),
    ).not.toContain(warning);
    // no cluster to ask: nothing to say
    expect(await notes('minimal')).not.toContain(warning);
  }, 60_000);
});
