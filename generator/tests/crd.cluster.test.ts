// The CRD the chart ships, against the test bed's real API server: it is accepted as a structural
// schema, a CR whose spec is the chart's default values (plus the required examples) is stored
// unchanged (nothing pruned, nothing rejected), and the server enforces what the values schema does.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { specKeys } from '../../hooks/generated/onload-types.ts';
import {
  createNamespace,
  deleteNamespace,
  kubectl,
  kubectlJson,
  waitCrdsEstablished,
} from '../../ci/testbed/session.ts';
import type { JsonObject } from '../json.ts';
import { outputFiles } from '../sources.ts';
import { repoRoot } from './sources.ts';

const crdFile = join(repoRoot, outputFiles.crd);
const crdName = 'onloads.onload.amd.com';

/** The spec keys of values.yaml, with the required values from the schema's examples. */
function defaultSpec(): JsonObject {
  const values = parse(readFileSync(join(repoRoot, outputFiles.valuesYaml), 'utf8')) as JsonObject;
  const schema = JSON.parse(readFileSync(join(repoRoot, outputFiles.valuesSchema), 'utf8')) as {
    properties: { onload: { properties: Record<string, { examples?: unknown[] }> } };
  };
  const onload = { ...(values.onload as JsonObject) };
  for (const key of ['version', 'userImage', 'kernelMappings']) {
    onload[key] = schema.properties.onload.properties[key]?.examples?.[0] as JsonObject;
  }
  const spec: JsonObject = {};
  for (const key of specKeys) spec[key] = key === 'onload' ? onload : (values[key] ?? null);
  return spec;
}

function onloadCr(name: string, namespace: string, spec: JsonObject): string {
  return stringify({
    apiVersion: 'onload.amd.com/v1alpha1',
    kind: 'Onload',
    metadata: { name, namespace },
    spec,
  });
}

interface Stored {
  spec: JsonObject;
}

describe('charts/onload/crds/onload.amd.com_onloads.yaml on a real API server', () => {
  let ns: string;
  beforeAll(async () => {
    await kubectl(['apply', '--server-side', '--force-conflicts', '-f', crdFile]);
    await waitCrdsEstablished(`crd/${crdName}`);
    ns = await createNamespace('crd');
  });
  afterAll(async () => {
    await deleteNamespace(ns);
  });

  it('is established with no structural-schema or CEL problems', async () => {
    const crd = await kubectlJson<{
      status: { conditions: { type: string; status: string; message: string }[] };
    }>(['get', 'crd', crdName]);
    const conditions = Object.fromEntries(crd.status.conditions.map((c) => [c.type, c.status]));
    expect(conditions).toMatchObject({ Established: 'True', NamesAccepted: 'True' });
    expect(conditions.NonStructuralSchema).toBeUndefined();
  });

  it('stores a CR built from the default values unchanged (no field pruned)', async () => {
    const spec = defaultSpec();
    const dryRun = await kubectl(['create', '--dry-run=server', '-o', 'json', '-f', '-'], {
      input: onloadCr('defaults', ns, spec),
    });
    expect((JSON.parse(dryRun.stdout) as Stored).spec).toEqual(spec);
    await kubectl(['create', '-f', '-'], { input: onloadCr('defaults', ns, spec) });
    const stored = await kubectlJson<Stored>(['get', 'onload', 'defaults', '-n', ns]);
    expect(stored.spec).toEqual(spec);
  });

  it('defaults a minimal CR to the same values as values.yaml', async () => {
    const full = defaultSpec();
    const onload = full.onload as JsonObject;
    const minimal = {
      onload: {
        version: onload.version,
        userImage: onload.userImage,
        kernelMappings: onload.kernelMappings,
      },
      // Required like upstream (its CEL rule rules out a default); its fields are defaulted.
      devicePlugin: {},
    } as JsonObject;
    const result = await kubectl(['create', '--dry-run=server', '-o', 'json', '-f', '-'], {
      input: onloadCr('minimal', ns, minimal),
    });
    const defaulted = (JSON.parse(result.stdout) as Stored).spec;
    // sfptpd.image defaults to null in values.yaml; the API server leaves an absent nullable field out.
    const expected = structuredClone(full);
    delete (expected.sfptpd as { image?: unknown }).image;
    expect(defaulted).toEqual(expected);
  });

  it.each([
    [
      'setPreload with mountOnload',
      (s: JsonObject) => ((s.devicePlugin as JsonObject).mountOnload = true),
      'setPreload and mountOnload are mutually exclusive',
    ],
    [
      'maxUnavailable 150%',
      (s: JsonObject) => ((s.upgrade as JsonObject).maxUnavailable = '150%'),
      'spec.upgrade.maxUnavailable',
    ],
    [
      'maxUnavailable 0',
      (s: JsonObject) => ((s.upgrade as JsonObject).maxUnavailable = 0),
      'spec.upgrade.maxUnavailable',
    ],
    [
      'a version that is not a label value',
      (s: JsonObject) => ((s.onload as JsonObject).version = '8.1 2'),
      'spec.onload.version',
    ],
    [
      'empty kernelMappings',
      (s: JsonObject) => ((s.onload as JsonObject).kernelMappings = []),
      'spec.onload.kernelMappings',
    ],
    [
      'an sfc marker with keys',
      (s: JsonObject) =>
        ((s.onload as { kernelMappings: JsonObject[] }).kernelMappings = [
          { regexp: '^.*$', kernelModuleImage: 'm:x', sfc: { enabled: true } },
        ]),
      'spec.onload.kernelMappings[0].sfc',
    ],
  ])('rejects %s', async (_name, change, message) => {
    const spec = defaultSpec();
    change(spec);
    const result = await kubectl(['create', '--dry-run=server', '-f', '-'], {
      input: onloadCr('bad', ns, spec),
      allowFailure: true,
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(message);
  });

  it('takes maxUnavailable as an integer or a percentage, and sfptpd.image as a string or null', async () => {
    for (const [maxUnavailable, image] of [
      [3, 'docker.io/onload/sfptpd:3.7.1.1007'],
      ['100%', null],
    ] as const) {
      const spec = defaultSpec();
      (spec.upgrade as JsonObject).maxUnavailable = maxUnavailable;
      (spec.sfptpd as JsonObject).image = image;
      const result = await kubectl(['create', '--dry-run=server', '-o', 'json', '-f', '-'], {
        input: onloadCr('ok', ns, spec),
      });
      expect((JSON.parse(result.stdout) as Stored).spec).toEqual(spec);
    }
  });

  it('accepts the status the hooks write, through the status subresource', async () => {
    await kubectl(['create', '-f', '-'], { input: onloadCr('status', ns, defaultSpec()) });
    const status = {
      observedGeneration: 1,
      phase: 'Upgrading',
      desiredVersion: '8.1.2.26',
      versions: { '8.1.2.26': 2, '8.1.2.25': 1 },
      nodes: { total: 3, upToDate: 2, upgrading: 1, pending: 0, failed: 0, skipped: 0 },
      failedNodes: [],
      conditions: [
        {
          type: 'Progressing',
          status: 'True',
          reason: 'RollingOut',
          message: '2 of 3 nodes',
          lastTransitionTime: '2025-01-01T00:00:00Z',
        },
      ],
    };
    await kubectl([
      'patch',
      'onload',
      'status',
      '-n',
      ns,
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({ status }),
    ]);
    const stored = await kubectlJson<{ status: unknown }>(['get', 'onload', 'status', '-n', ns]);
    expect(stored.status).toEqual(status);
    const bad = await kubectl(
      [
        'patch',
        'onload',
        'status',
        '-n',
        ns,
        '--subresource=status',
        '--type=merge',
        '-p',
        '{"status":{"phase":"Bogus"}}',
      ],
      { allowFailure: true },
    );
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('status.phase');
  });
});
