import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { UsageError } from './args.ts';
import { openSession, resolveNamespace } from './session.ts';

describe('session', () => {
  let dir = '';
  let kubeconfig = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'session-'));
    kubeconfig = join(dir, 'config');
    await writeFile(
      kubeconfig,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:1' } }],
        users: [{ name: 'u', user: { token: 't' } }],
        contexts: [
          { name: 'plain', context: { cluster: 'c', user: 'u' } },
          { name: 'ops', context: { cluster: 'c', user: 'u', namespace: 'onload' } },
        ],
        'current-context': 'plain',
      }),
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('takes the namespace from -n, else the context, else "default"', () => {
    expect(resolveNamespace('x', 'onload')).toBe('x');
    expect(resolveNamespace(undefined, 'onload')).toBe('onload');
    expect(resolveNamespace(undefined, '')).toBe('default');
    expect(resolveNamespace(undefined, undefined)).toBe('default');
    expect(openSession({ kubeconfig }).namespace).toBe('default');
    expect(openSession({ kubeconfig, context: 'ops' }).namespace).toBe('onload');
    expect(openSession({ kubeconfig, context: 'ops', namespace: 'n' }).namespace).toBe('n');
  });

  it('names a --context the kubeconfig does not have, and where the contexts are listed', () => {
    expect(() => openSession({ kubeconfig, context: 'prod' })).toThrow(
      new UsageError(
        'flag --context: context "prod" not found in the kubeconfig: "kubectl config get-contexts" lists the contexts',
      ),
    );
  });
});
