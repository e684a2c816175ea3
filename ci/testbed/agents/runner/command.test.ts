import { describe, expect, it } from '@jest/globals';
import { pod } from '../test-objects.ts';
import { hostCommand, isFakeNode, isRunnerPod, resolveEnv, type EnvSources } from './command.ts';

describe('hostCommand', () => {
  const exists = (path: string): boolean => path === '/fixtures/probe.mjs';

  it('maps node and /app/<file> onto this machine, first app dir holding the file', () => {
    expect(
      hostCommand(
        { name: 'c', command: ['node', '/app/probe.mjs'], args: ['exit', '7'] },
        ['/dist/hooks', '/fixtures'],
        '/node24',
        exists,
      ),
    ).toEqual({ file: '/node24', args: ['/fixtures/probe.mjs', 'exit', '7'] });
  });

  it('points at the first app dir when no dir holds the file', () => {
    expect(
      hostCommand(
        { name: 'c', command: ['node', '/app/post.mjs'] },
        ['/dist/hooks'],
        '/node24',
        exists,
      ),
    ).toEqual({
      file: '/node24',
      args: ['/dist/hooks/post.mjs'],
    });
  });

  it('refuses anything but node', () => {
    const result = hostCommand(
      { name: 'c', command: ['sh', '-c', 'rm -rf /'] },
      [],
      '/node24',
      exists,
    );
    expect(result).toEqual({
      error: 'the test-bed runner only runs "node /app/<entry>.mjs", not "sh -c rm -rf /"',
    });
    expect(hostCommand({ name: 'c' }, [], '/node24', exists)).toHaveProperty('error');
  });
});

describe('resolveEnv', () => {
  const sources: EnvSources = {
    configMaps: new Map([['cfg', { greeting: 'hi', a: '1' }]]),
    secrets: new Map([['missing', undefined]]),
  };
  const p = pod({}, { serviceAccountName: 'hooks' });

  it('resolves literals, field refs, ConfigMap keys and $(VAR) references', () => {
    const result = resolveEnv(
      {
        name: 'c',
        envFrom: [{ prefix: 'CFG_', configMapRef: { name: 'cfg' } }],
        env: [
          { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
          { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
          { name: 'SA', valueFrom: { fieldRef: { fieldPath: 'spec.serviceAccountName' } } },
          { name: 'GREETING', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'greeting' } } },
          { name: 'BOTH', value: '$(POD_NAME)@$(NS) $$(NS) $(UNSET)' },
        ],
      },
      p,
      sources,
    );
    expect(result).toEqual({
      env: {
        CFG_greeting: 'hi',
        CFG_a: '1',
        POD_NAME: 'p1',
        NS: 'ns',
        NODE: 'n1',
        SA: 'hooks',
        GREETING: 'hi',
        BOTH: 'p1@ns $(NS) $(UNSET)',
      },
    });
  });

  it('reports missing objects and keys as a kubelet does, unless optional', () => {
    expect(
      resolveEnv(
        {
          name: 'c',
          env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'missing', key: 'k' } } }],
        },
        p,
        sources,
      ),
    ).toEqual({
      error: 'secret "missing" not found',
    });
    expect(
      resolveEnv(
        {
          name: 'c',
          env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'nope' } } }],
        },
        p,
        sources,
      ),
    ).toEqual({
      error: "couldn't find key nope in ConfigMap ns/cfg",
    });
    expect(
      resolveEnv(
        {
          name: 'c',
          env: [
            {
              name: 'X',
              valueFrom: { configMapKeyRef: { name: 'cfg', key: 'nope', optional: true } },
            },
          ],
        },
        p,
        sources,
      ),
    ).toEqual({ env: {} });
  });

  it('names a field ref it does not support', () => {
    expect(
      resolveEnv(
        {
          name: 'c',
          env: [{ name: 'X', valueFrom: { fieldRef: { fieldPath: 'spec.priority' } } }],
        },
        p,
        sources,
      ),
    ).toEqual({
      error: 'env X: the runner does not support fieldRef spec.priority',
    });
  });
});

describe('isRunnerPod', () => {
  it('takes the chart hook and labeller pods only', () => {
    const labels = (component: string) => ({
      'app.kubernetes.io/name': 'onload',
      'app.kubernetes.io/component': component,
    });
    expect(isRunnerPod(pod(labels('hook')))).toBe(true);
    expect(isRunnerPod(pod(labels('labeller')))).toBe(true);
    expect(isRunnerPod(pod(labels('device-plugin')))).toBe(false);
    expect(isRunnerPod(pod({ 'app.kubernetes.io/component': 'hook' }))).toBe(false);
  });
});

describe('isFakeNode', () => {
  it('takes the nodes KWOK manages and leaves a real node to its kubelet', () => {
    const node = (annotations: Record<string, string>) => ({ metadata: { annotations } });
    expect(isFakeNode(node({ 'kwok.x-k8s.io/node': 'fake' }))).toBe(true);
    expect(isFakeNode(node({}))).toBe(false);
    expect(isFakeNode(undefined)).toBe(false);
  });
});
