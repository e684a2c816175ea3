// Invariants every chart-testing variant must keep, with Helm 3 and Helm 4: labels, names,
// namespaces, the Onload CR, images.
import { describe, expect, it } from '@jest/globals';
import type { V1Container, V1PodSpec } from '@kubernetes/client-node';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { chartDir, repoRoot } from '../../../ci/lib/helm.ts';
import { daemonSet, deployment, find, findAll, kmmModule, type Manifest } from './lib/manifests.ts';
import {
  defaultNamespace,
  effectiveSelector,
  helmMajors,
  parseManifests,
  render,
  renderText,
  variants,
  variantValues,
  type Variant,
} from './lib/render.ts';

const clusterScoped = new Set(['ClusterRole', 'ClusterRoleBinding', 'MachineConfig']);
const podOwners = new Set(['DaemonSet', 'Deployment', 'Job']);

function podSpecOf(o: Manifest): V1PodSpec | undefined {
  if (!podOwners.has(o.kind)) return undefined;
  return (o as { spec?: { template?: { spec?: V1PodSpec } } }).spec?.template?.spec;
}

function containersOf(o: Manifest): V1Container[] {
  const spec = podSpecOf(o);
  return spec ? [...(spec.initContainers ?? []), ...spec.containers] : [];
}

/** Every image the rendering deploys or hands to KMM / the MachineConfig. */
function imagesOf(objects: readonly Manifest[]): string[] {
  const images = objects.flatMap((o) => containersOf(o).map((c) => c.image ?? ''));
  for (const m of findAll(objects, 'Module')) {
    images.push(
      ...kmmModule(objects, m.metadata.name).spec.moduleLoader.container.kernelMappings.map(
        (k) => k.containerImage,
      ),
    );
  }
  return images;
}

async function specKeys(): Promise<string[]> {
  const crd = parse(await readFile(join(repoRoot, 'schema', 'onload-crd.yaml'), 'utf8')) as {
    spec: {
      versions: { schema: { openAPIV3Schema: { properties: { spec: { properties: object } } } } }[];
    };
  };
  return Object.keys(crd.spec.versions[0]?.schema.openAPIV3Schema.properties.spec.properties ?? {});
}

/**
 * Helm 3 keeps a null default (sfptpd.image: null) in .Values, Helm 4 drops the key; both mean
 * "unset" to the API server and the hooks. Drops null-valued keys, also inside ONLOAD_SPEC.
 */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== null);
  const out = Object.fromEntries(entries.map(([k, v]) => [k, withoutNulls(v)]));
  if (out.name === 'ONLOAD_SPEC' && typeof out.value === 'string')
    out.value = withoutNulls(JSON.parse(out.value));
  return out;
}

describe.each(variants)('Helm 3 and Helm 4 on %s', (variant) => {
  it('render the same objects, but for null defaults', async () => {
    expect(withoutNulls(await render({ variant, helmMajor: 4 }))).toEqual(
      withoutNulls(await render({ variant, helmMajor: 3 })),
    );
  });
});

describe.each(helmMajors)('every variant, Helm %i', (helmMajor) => {
  describe.each(variants)('%s', (variant: Variant) => {
    it('labels every object with the app.kubernetes.io set, helm.sh/chart and commonLabels', async () => {
      const objects = await render({ variant, helmMajor });
      const common = ((await variantValues(variant)).commonLabels ?? {}) as Record<string, string>;
      for (const o of objects) {
        expect(Object.keys(o.metadata.labels ?? {})).toEqual(
          expect.arrayContaining([
            'app.kubernetes.io/name',
            'app.kubernetes.io/instance',
            'app.kubernetes.io/version',
            'app.kubernetes.io/component',
            'app.kubernetes.io/part-of',
            'app.kubernetes.io/managed-by',
            'helm.sh/chart',
          ]),
        );
        expect(o.metadata.labels).toMatchObject({
          ...common,
          'app.kubernetes.io/instance': 'onload',
        });
      }
    });

    it('keeps pod selectors to the immutable name/instance/component labels', async () => {
      const objects = await render({ variant, helmMajor });
      const workloads = [
        ...findAll(objects, 'DaemonSet').map((o) => daemonSet(objects, o.metadata.name)),
        ...findAll(objects, 'Deployment').map((o) => deployment(objects, o.metadata.name)),
      ];
      expect(workloads.length).toBeGreaterThanOrEqual(2);
      for (const w of workloads) {
        const matchLabels = w.spec?.selector.matchLabels ?? {};
        expect(Object.keys(matchLabels).sort()).toEqual([
          'app.kubernetes.io/component',
          'app.kubernetes.io/instance',
          'app.kubernetes.io/name',
        ]);
        expect(w.spec?.template.metadata?.labels).toMatchObject(matchLabels);
      }
    });

    it('puts namespaced objects in the release namespace and gives cluster-scoped ones release-scoped names', async () => {
      for (const o of await render({ variant, helmMajor })) {
        if (clusterScoped.has(o.kind)) {
          expect(o.metadata.namespace).toBeUndefined();
          expect(o.metadata.name).toMatch(
            new RegExp(`^(99-[a-z-]+-)?${defaultNamespace}-onload(-|$)`),
          );
        } else {
          expect(o.metadata.namespace).toBe(defaultNamespace);
        }
      }
    });

    it('prefixes names with the release, except the seed Module names, the Dockerfile ConfigMaps and the user-named networks', async () => {
      const objects = await render({ variant, helmMajor, release: 'trading' });
      const keys = objects.map((o) => `${o.kind}/${o.metadata.name}`);
      expect(new Set(keys).size).toBe(keys.length);
      for (const o of objects.filter((x) => !clusterScoped.has(x.kind))) {
        if (o.kind === 'Module') expect(['onload', 'sfc']).toContain(o.metadata.name);
        else if (o.kind === 'ConfigMap' && o.metadata.name.startsWith('onload-module-dockerfile-'))
          continue;
        else if (o.kind === 'NetworkAttachmentDefinition')
          continue; // pods name them: multus.networks[].name
        else expect(o.metadata.name).toMatch(/^trading-onload(-|$)/);
      }
    });

    it('creates the Onload CR with the spec part of the values, passed through whole', async () => {
      const objects = await render({ variant, helmMajor });
      const cr = find(objects, 'Onload', 'onload');
      expect(cr.apiVersion).toBe('onload.amd.com/v1alpha1');
      const spec = cr.spec as Record<string, unknown>;
      expect(Object.keys(spec).sort()).toEqual((await specKeys()).sort());
      const values = await variantValues(variant);
      for (const key of await specKeys()) {
        if (key === 'selector') expect(spec.selector).toEqual(await effectiveSelector(variant));
        else if (key in values) expect([key, spec[key]]).toMatchObject([key, values[key]]);
      }
    });

    it('leaves no trailing whitespace in the manifests', async () => {
      const text = await renderText({ variant, helmMajor });
      expect(text.split('\n').filter((line) => /\s$/.test(line))).toEqual([]);
    });

    it('refers only to images with a registry, a tag or digest, and no unrendered template', async () => {
      for (const image of imagesOf(await render({ variant, helmMajor }))) {
        expect(image).toMatch(/^[a-z0-9.-]+(:\d+)?\/\S+(:[\w.${}-]+|@sha256:[a-f0-9]{64})$/);
        expect(image).not.toContain('{{');
      }
    });
  });

  it('moves every image to global.imageRegistry, keeping ${KERNEL_FULL_VERSION} and digests', async () => {
    const objects = await render({ variant: 'air-gapped-registry', helmMajor });
    const mirror = 'mirror.example.internal:5000/onload-mirror/';
    const images = imagesOf(objects);
    expect(images.length).toBeGreaterThan(5);
    for (const image of images) expect(image.startsWith(mirror)).toBe(true);
    expect(images).toEqual(
      expect.arrayContaining([
        `${mirror}onload/onload-user:8.1.2.26-ubi8`,
        `${mirror}onload/onload-module:8.1.2.26-\${KERNEL_FULL_VERSION}`,
        `${mirror}onload/onload-device-plugin@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef`,
        `${mirror}onload-helm/onload-hooks:0.1.0`,
        `${mirror}onload/sfptpd:3.7.1.1007`,
      ]),
    );
  });

  it('overrides every image from the values', async () => {
    const objects = await render({
      variant: 'sfptpd-on',
      helmMajor,
      overrides: {
        images: {
          devicePlugin: { registry: 'a.example', repository: 'dp', tag: '9' },
          hooks: {
            registry: 'b.example',
            repository: 'hooks',
            tag: '',
            digest: `sha256:${'e'.repeat(64)}`,
          },
        },
      },
    });
    const images = new Set(imagesOf(objects));
    expect(images).toEqual(
      new Set([
        'a.example/dp:9',
        `b.example/hooks@sha256:${'e'.repeat(64)}`,
        'docker.io/onload/onload-user:8.1.2.26-ubi8',
        'registry.example.com/onload/onload-module:8.1.2.26-${KERNEL_FULL_VERSION}',
        'docker.io/onload/sfptpd:3.7.1.1007',
      ]),
    );
  });

  it('uses the chart appVersion for the hooks image when its tag is empty', async () => {
    const chart = parse(await readFile(join(chartDir, 'Chart.yaml'), 'utf8')) as {
      appVersion: string;
    };
    const images = imagesOf(await render({ variant: 'minimal', helmMajor }));
    expect(images).toContain(`ghcr.io/onload-helm/onload-hooks:${chart.appVersion}`);
  });

  it('shortens long release names so that every name fits in 63 characters', async () => {
    const release = `r${'x'.repeat(52)}`;
    const objects = await render({ variant: 'minimal', helmMajor, release });
    for (const o of objects.filter((x) => !clusterScoped.has(x.kind))) {
      expect(o.metadata.name.length).toBeLessThanOrEqual(63);
      expect(o.metadata.name).not.toMatch(/--|-$/);
    }
    const dpName = findAll(objects, 'DaemonSet').map((d) => d.metadata.name);
    expect(dpName).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/-device-plugin$/),
        expect.stringMatching(/-control-plane$/),
      ]),
    );
  });

  it('honours fullnameOverride and nameOverride', async () => {
    const named = await render({
      variant: 'minimal',
      helmMajor,
      overrides: { fullnameOverride: 'ol' },
    });
    expect(
      find(named, 'DaemonSet', 'ol-device-plugin').metadata.labels?.['app.kubernetes.io/name'],
    ).toBe('onload');
    const renamed = await render({
      variant: 'minimal',
      helmMajor,
      release: 'trading',
      overrides: { nameOverride: 'ool' },
    });
    expect(
      find(renamed, 'DaemonSet', 'trading-ool-device-plugin').metadata.labels?.[
        'app.kubernetes.io/name'
      ],
    ).toBe('ool');
  });

  it('quotes what YAML 1.1 readers (Helm 3) would take for booleans: release "y" in namespace "on"', async () => {
    const text = await renderText({
      variant: 'machineconfig-on',
      helmMajor,
      release: 'y',
      namespace: 'on',
      overrides: {
        machineConfig: { role: 'no' },
        sfptpd: { image: 'registry.example.com/sfptpd:1', existingConfigMap: 'off' },
        imagePullSecrets: [{ name: 'yes' }],
        priorityClassName: 'on',
        serviceAccountName: 'n',
      },
    });
    const asYaml11 = parseManifests(text, '1.1');
    expect(asYaml11).toEqual(parseManifests(text, '1.2'));
    expect(
      asYaml11.filter((o) => o.metadata.namespace !== undefined).map((o) => o.metadata.namespace),
    ).toEqual(expect.arrayContaining(['on']));
  });

  it('drops a default selector key set to null (Helm merges maps into the defaults)', async () => {
    const objects = await render({ variant: 'openshift-in-cluster-build', helmMajor });
    expect(kmmModule(objects, 'onload').spec.selector).toEqual({
      'node-role.kubernetes.io/worker': '',
    });
  });
});
