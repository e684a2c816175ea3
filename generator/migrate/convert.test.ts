import { describe, expect, it } from '@jest/globals';
import type { JsonObject } from '../json.ts';
import { coalesce } from './coalesce.ts';
import { migrate, MigrationError, type Migration } from './convert.ts';

const context = { defaultSelector: { 'feature.node.kubernetes.io/pci-1924.present': 'true' } };

function cr(spec: JsonObject, metadata: JsonObject = { name: 'onload' }): JsonObject {
  return { apiVersion: 'onload.amd.com/v1alpha1', kind: 'Onload', metadata, spec };
}

const mapping = { regexp: '^.*$', kernelModuleImage: 'm:${KERNEL_FULL_VERSION}' };
const onload = { version: '8.1.2.26', userImage: 'u', kernelMappings: [mapping] };

function notePaths(migration: Migration, action?: boolean): string[] {
  return migration.notes
    .filter((n) => action === undefined || n.action === action)
    .map((n) => n.path);
}

describe('migrate', () => {
  it('carries the upstream spec over and renames libMounthPath', () => {
    const result = migrate(
      [
        cr({
          onload: { ...onload, imagePullPolicy: 'IfNotPresent', controlPlane: { parameters: [] } },
          devicePlugin: { libMounthPath: '/lib', maxPodsPerNode: 7 },
          selector: { 'node-role.kubernetes.io/worker': '' },
          serviceAccountName: '',
        }),
      ],
      context,
    );
    expect(result.values).toEqual({
      onload: { ...onload, imagePullPolicy: 'IfNotPresent', controlPlane: { parameters: [] } },
      devicePlugin: { maxPodsPerNode: 7, libMountPath: '/lib' },
      selector: {
        'node-role.kubernetes.io/worker': '',
        'feature.node.kubernetes.io/pci-1924.present': null,
      },
      serviceAccountName: '',
      sfc: { enabled: false },
    });
    expect(notePaths(result, true)).toEqual([]);
    expect(result.notes.find((n) => n.path === 'spec.devicePlugin.libMounthPath')?.message).toMatch(
      /renamed to devicePlugin\.libMountPath/,
    );
  });

  it('enables sfc and keeps the markers when some mapping has one', () => {
    const marked = { ...mapping, sfc: {} };
    const result = migrate(
      [cr({ onload: { ...onload, kernelMappings: [marked, mapping] } })],
      context,
    );
    expect(result.values.sfc).toEqual({ enabled: true });
    expect((result.values.onload as JsonObject).kernelMappings).toEqual([marked, mapping]);
  });

  it('empties an sfc marker with keys, saying so', () => {
    const result = migrate(
      [cr({ onload: { ...onload, kernelMappings: [{ ...mapping, sfc: { x: 1 } }] } })],
      context,
    );
    expect(
      (result.values.onload as { kernelMappings: JsonObject[] }).kernelMappings[0]?.sfc,
    ).toEqual({});
    expect(notePaths(result)).toContain('spec.onload.kernelMappings[0].sfc');
  });

  it('asks for a version and kernel mappings when they are empty', () => {
    const result = migrate(
      [cr({ onload: { version: '', userImage: 'u', kernelMappings: [] } })],
      context,
    );
    expect(result.values.onload).toEqual({ userImage: 'u' });
    expect(notePaths(result, true)).toEqual(['spec.onload.version', 'spec.onload.kernelMappings']);
  });

  it('says what happens to metadata, status, other documents and unknown keys', () => {
    const result = migrate(
      [
        { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'sa' } },
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns' } },
        {
          ...cr(
            {
              onload: { ...onload, extra: 1 },
              devicePlugin: { image: 'x' },
              serviceAccountName: 'sa',
              more: 2,
            },
            { name: 'onload', namespace: 'prod', labels: { team: 'a' } },
          ),
          status: {},
        },
        null,
      ],
      context,
    );
    expect(result).toMatchObject({ name: 'onload', namespace: 'prod' });
    const messages = Object.fromEntries(result.notes.map((n) => [n.path, n.message]));
    expect(messages['ServiceAccount/sa']).toMatch(/chart creates the ServiceAccount/);
    expect(messages['Namespace/ns']).toMatch(/keep applying it separately/);
    expect(messages.metadata).toMatch(/helm install onload charts\/onload --namespace prod/);
    expect(messages['metadata.labels']).toMatch(/team/);
    expect(messages.status).toBeDefined();
    expect(messages['spec.onload.extra']).toMatch(/dropped/);
    expect(messages['spec.devicePlugin.image']).toMatch(/dropped/);
    expect(messages['spec.more']).toMatch(/dropped/);
    expect(messages['spec.serviceAccountName']).toMatch(/must exist in the release namespace/);
    expect(messages['images.devicePlugin']).toMatch(/DEVICE_PLUGIN_IMG/);
    expect(messages['spec.selector']).toMatch(/missing/);
  });

  it('flags setPreload with mountOnload for the user', () => {
    const result = migrate(
      [cr({ onload, devicePlugin: { setPreload: true, mountOnload: true } })],
      context,
    );
    expect(notePaths(result, true)).toEqual(['spec.devicePlugin.mountOnload']);
  });

  it('refuses input without exactly one Onload', () => {
    expect(() => migrate([{ kind: 'ConfigMap' }], context)).toThrow(MigrationError);
    expect(() => migrate([cr({}, { name: 'a' }), cr({}, { name: 'b' })], context)).toThrow(
      /2 Onload resources \("a", "b"\)/,
    );
  });
});

describe('coalesce', () => {
  it('merges maps, replaces lists and scalars, and deletes keys set to null', () => {
    expect(
      coalesce(
        { a: { x: 1, y: 2 }, list: [1, 2], s: 'd', keep: true },
        { a: { y: null, z: 3 }, list: [3], s: 'u' },
      ),
    ).toEqual({ a: { x: 1, z: 3 }, list: [3], s: 'u', keep: true });
  });
});
