// Pod Security Admission on the test bed's API server: a namespace enforcing "restricted" refuses
// the chart's device plugin pod (so the DaemonSet would fail only at runtime), and the pre hook
// stops helm install before anything changes, naming the label and the fix.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { stringify } from 'yaml';
import { chartDir } from '../../../ci/lib/helm.ts';
import {
  createNamespace,
  deleteNamespace,
  helm,
  kubectl,
  kubectlJson,
  releaseUninstallGuards,
} from '../../../ci/testbed/session.ts';
import { daemonSet } from './lib/manifests.ts';
import { render, variantFile } from './lib/render.ts';

const enforce = 'pod-security.kubernetes.io/enforce';

describe('Pod Security Admission', () => {
  let ns: string;
  beforeAll(async () => {
    ns = await createNamespace('onload-psa');
    await kubectl(['label', 'namespace', ns, `${enforce}=restricted`]);
  });
  afterAll(async () => {
    await releaseUninstallGuards(ns);
    await helm(3, ['uninstall', 'onload', '-n', ns, '--no-hooks'], { allowFailure: true });
    await deleteNamespace(ns);
  });

  it("refuses the device plugin's pod in a restricted namespace", async () => {
    const ds = daemonSet(
      await render({ variant: 'minimal', namespace: ns }),
      'onload-device-plugin',
    );
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'device-plugin-probe', namespace: ns },
      // The pod as the DaemonSet controller would create it, minus the chart's ServiceAccount.
      spec: Object.assign(structuredClone(ds.spec?.template.spec ?? {}), {
        serviceAccountName: undefined,
      }),
    };
    const result = await kubectl(['create', '--dry-run=server', '-f', '-'], {
      input: stringify(pod),
      allowFailure: true,
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('violates PodSecurity "restricted');
  });

  it('stops helm install in the pre hook, naming the label and the fix', async () => {
    const nodesBefore = (
      await kubectl(['get', 'nodes', '-o', 'jsonpath={.items[*].metadata.resourceVersion}'])
    ).stdout;
    const install = await helm(
      3,
      [
        'install',
        'onload',
        chartDir,
        '-n',
        ns,
        '--values',
        variantFile('minimal'),
        '--timeout',
        '3m',
      ],
      { allowFailure: true },
    );
    expect(install.code).not.toBe(0);
    expect(install.stderr).toContain(
      `enforces the "restricted" Pod Security Standard (label ${enforce}=restricted)`,
    );
    expect(install.stderr).toContain(
      `kubectl label namespace ${ns} ${enforce}=privileged --overwrite`,
    );
    const modules = await kubectlJson<{ items: unknown[] }>([
      'get',
      'modules.kmm.sigs.x-k8s.io',
      '-n',
      ns,
    ]);
    expect(modules.items).toEqual([]);
    const nodesAfter = (
      await kubectl(['get', 'nodes', '-o', 'jsonpath={.items[*].metadata.resourceVersion}'])
    ).stdout;
    expect(nodesAfter.split(' ').length).toBe(nodesBefore.split(' ').length);
  });
});
