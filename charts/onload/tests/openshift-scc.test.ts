// OpenShift SCC admission of every pod template the chart renders, decided by OpenShift's own SCC
// admission plugin (ci/tools/scc-check) over the default SCCs of OpenShift 4.21 and the RBAC the
// chart renders: which SCC admits each pod, and the refusal when the chart's SCC grants are gone.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { stringify } from 'yaml';
import { checkSccs, sccCheckPath, type SccVerdict } from '../../../ci/lib/scc-check.ts';
import type { Manifest } from './lib/manifests.ts';
import {
  defaultNamespace,
  parseManifests,
  renderText,
  variants,
  variantValues,
} from './lib/render.ts';

beforeAll(async () => {
  await sccCheckPath();
}, 900_000);

function decisions(verdicts: readonly SccVerdict[]): string[] {
  return verdicts.map((v) => `${v.kind} ${v.name}: ${v.scc ?? `refused: ${v.error ?? ''}`}`);
}

async function openshiftWithEverything(): Promise<string> {
  return renderText({
    variant: 'openshift-in-cluster-build',
    overrides: {
      sfptpd: (await variantValues('sfptpd-on')).sfptpd,
      metrics: {
        onload: { enabled: true },
        sfptpd: { enabled: true },
        labeller: { enabled: true },
      },
    },
  });
}

/** The rendering without any Role or ClusterRole rule on securitycontextconstraints. */
function withoutSccGrants(text: string): string {
  const objects = parseManifests(text).map((o: Manifest) => {
    if (o.kind !== 'Role' && o.kind !== 'ClusterRole') return o;
    const rules = (o.rules as { resources?: string[] }[] | undefined) ?? [];
    return {
      ...o,
      rules: rules.filter((r) => !r.resources?.includes('securitycontextconstraints')),
    };
  });
  return objects.map((o) => stringify(o)).join('---\n');
}

describe('OpenShift SCC admission', () => {
  it('admits the privileged pods by `privileged`, the hooks and labeller by `nonroot-v2`, the helm test pod by `restricted-v2`', async () => {
    const result = await checkSccs(await openshiftWithEverything());
    expect(decisions(result.verdicts).sort()).toEqual(
      [
        'DaemonSet onload-device-plugin: privileged',
        'DaemonSet onload-control-plane: privileged',
        'DaemonSet onload-sfptpd: privileged',
        'DaemonSet onload-onload-metrics: privileged',
        'Deployment onload-labeller: nonroot-v2',
        'Job onload-pre: nonroot-v2',
        'Job onload-post: nonroot-v2',
        'Job onload-pre-delete: nonroot-v2',
        'Pod onload-test: restricted-v2',
      ].sort(),
    );
    expect(result.code).toBe(0);
    for (const v of result.verdicts) expect(v.namespace).toBe(defaultNamespace);
  });

  const ownServiceAccounts = variants.filter((v) => v !== 'sfc-off');
  it.each(ownServiceAccounts)('admits every pod template of the %s variant', async (variant) => {
    const result = await checkSccs(await renderText({ variant }));
    expect(result.verdicts.filter((v) => v.error !== undefined)).toEqual([]);
    expect(result.verdicts.length).toBeGreaterThan(0);
    expect(result.code).toBe(0);
  });

  it('refuses the workloads of a brought ServiceAccount without the privileged SCC, and admits them once it is granted', async () => {
    const text = await renderText({ variant: 'sfc-off' });
    const refused = await checkSccs(text);
    expect(refused.code).toBe(1);
    // The helm test pod runs as the default ServiceAccount too, and needs no grant.
    const isTestPod = (v: SccVerdict): boolean => v.kind === 'Pod' && v.name === 'onload-test';
    expect(refused.verdicts.filter(isTestPod).map((v) => v.scc)).toEqual(['restricted-v2']);
    const workloads = refused.verdicts.filter(
      (v) => v.serviceAccount === 'default' && !isTestPod(v),
    );
    expect(workloads.map((v) => v.name).sort()).toEqual(
      ['onload-control-plane', 'onload-device-plugin'].sort(),
    );
    for (const v of workloads) {
      expect(v.error).toContain(
        'provider "privileged": Forbidden: not usable by user or serviceaccount',
      );
    }

    const grant = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'default-privileged-scc', namespace: defaultNamespace },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: 'system:openshift:scc:privileged',
      },
      subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: defaultNamespace }],
    };
    const granted = await checkSccs(`${text}\n---\n${stringify(grant)}`);
    expect(granted.code).toBe(0);
    expect(
      granted.verdicts
        .filter((v) => v.serviceAccount === 'default' && !isTestPod(v))
        .map((v) => v.scc),
    ).toEqual(['privileged', 'privileged']);
  });

  it("refuses the pods without the chart's SCC grants, naming the fields each SCC refuses", async () => {
    const result = await checkSccs(withoutSccGrants(await openshiftWithEverything()));
    expect(result.code).toBe(1);
    const refusal = (name: string): string => {
      const verdict = result.verdicts.find((v) => v.name === name);
      expect(verdict?.scc).toBeUndefined();
      return verdict?.error ?? '';
    };

    const devicePlugin = refusal('onload-device-plugin');
    expect(devicePlugin).toContain('unable to validate against any security context constraint');
    expect(devicePlugin).toContain(
      'provider restricted-v2: .containers[0].privileged: Invalid value: true: Privileged containers are not allowed',
    );
    expect(devicePlugin).toContain(
      'provider restricted-v2: .spec.securityContext.hostNetwork: Invalid value: true: Host network is not allowed to be used',
    );
    expect(devicePlugin).toContain('hostPath volumes are not allowed to be used');
    expect(devicePlugin).toContain(
      'provider "privileged": Forbidden: not usable by user or serviceaccount',
    );

    expect(refusal('onload-pre')).toContain(
      'provider restricted-v2: .containers[0].runAsUser: Invalid value: 65532: must be in the ranges: [1000680000, 1000689999]',
    );
    expect(refusal('onload-labeller')).toContain(
      'provider "nonroot-v2": Forbidden: not usable by user or serviceaccount',
    );
    // Every pod but the helm test pod, which restricted-v2 admits without any grant.
    const test = result.verdicts.find((v) => v.name === 'onload-test');
    expect(test?.scc).toBe('restricted-v2');
    expect(result.verdicts.every((v) => v === test || v.error !== undefined)).toBe(true);
  });
});
