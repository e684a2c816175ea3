// The runner against the real test bed: our own pods' commands run on this machine with the pod's
// environment and ServiceAccount token; exits, logs and restarts show on the pod as with a kubelet.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { waitFor } from '../../lib/wait.ts';
import {
  createNamespace,
  deleteNamespace,
  kubectl,
  kubectlJson,
  podLogs,
  testbed,
} from '../session.ts';
import { tailOfLog } from '../supervisor.ts';
import { apply, getPod, isPodReady, untilPod, type PodJson } from './cluster-testing.ts';

let ns: string;

function probeJob(name: string, args: string[], serviceAccount = 'default'): object {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: ns },
    spec: {
      backoffLimit: 0,
      template: {
        metadata: {
          labels: { 'app.kubernetes.io/name': 'onload', 'app.kubernetes.io/component': 'hook' },
        },
        spec: {
          serviceAccountName: serviceAccount,
          restartPolicy: 'Never',
          containers: [
            {
              name: 'probe',
              image: 'images.testbed.invalid/hooks:test',
              terminationMessagePolicy: 'FallbackToLogsOnError',
              command: ['node', '/app/testbed-probe.mjs'],
              args,
              env: [
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                {
                  name: 'POD_NAMESPACE',
                  valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } },
                },
                {
                  name: 'GREETING',
                  valueFrom: { configMapKeyRef: { name: 'greeting', key: 'text' } },
                },
              ],
            },
          ],
        },
      },
    },
  };
}

function probeDeployment(name: string, args: string[]): object {
  const labels = {
    'app.kubernetes.io/name': 'onload',
    'app.kubernetes.io/component': 'labeller',
    app: name,
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels },
        spec: {
          terminationGracePeriodSeconds: 5,
          containers: [
            {
              name: 'probe',
              image: 'images.testbed.invalid/hooks:test',
              command: ['node', '/app/testbed-probe.mjs'],
              args,
              env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
            },
          ],
        },
      },
    },
  };
}

async function jobPod(job: string): Promise<PodJson> {
  return waitFor(
    `a pod of job ${job}`,
    async () =>
      (await kubectlJson<{ items: PodJson[] }>(['get', 'pods', '-n', ns, '-l', `job-name=${job}`]))
        .items[0],
    { timeoutMs: 60_000 },
  );
}

async function podOf(app: string): Promise<PodJson> {
  return waitFor(
    `a pod of ${app}`,
    async () =>
      (await kubectlJson<{ items: PodJson[] }>(['get', 'pods', '-n', ns, '-l', `app=${app}`]))
        .items[0],
    { timeoutMs: 60_000 },
  );
}

async function jobCondition(job: string, condition: 'Complete' | 'Failed'): Promise<void> {
  await kubectl(['wait', '-n', ns, `job/${job}`, `--for=condition=${condition}`, '--timeout=60s']);
}

describe('runner', () => {
  beforeAll(async () => {
    ns = await createNamespace('runner');
    await kubectl([
      'create',
      'configmap',
      'greeting',
      '-n',
      ns,
      '--from-literal=text=hello-from-configmap',
    ]);
    await kubectl(['create', 'serviceaccount', 'prober', '-n', ns]);
    await kubectl(['create', 'role', 'pod-reader', '-n', ns, '--verb=get', '--resource=pods']);
    await kubectl([
      'create',
      'rolebinding',
      'prober',
      '-n',
      ns,
      '--role=pod-reader',
      `--serviceaccount=${ns}:prober`,
    ]);
  });

  afterAll(async () => {
    await deleteNamespace(ns);
  });

  it('runs a Job pod command with its env and ServiceAccount to completion, keeping its logs', async () => {
    await apply(probeJob('reads-itself', ['read-self'], 'prober'));
    await jobCondition('reads-itself', 'Complete');
    const pod = await jobPod('reads-itself');
    expect(pod.status.phase).toBe('Succeeded');
    expect(pod.status.containerStatuses?.[0]?.state.terminated).toMatchObject({
      exitCode: 0,
      reason: 'Completed',
    });
    const logs = podLogs(ns, pod.metadata.name);
    expect(logs).toContain(
      `probe read-self in pod ${ns}/${pod.metadata.name} greeting=hello-from-configmap`,
    );
    expect(logs).toContain(
      `read my pod as system:serviceaccount:${ns}:prober: uid ${pod.metadata.uid}`,
    );
  });

  it("applies the ServiceAccount's real RBAC", async () => {
    await apply(probeJob('no-rights', ['read-self']));
    await jobCondition('no-rights', 'Failed');
    const pod = await jobPod('no-rights');
    expect(pod.status.containerStatuses?.[0]?.state.terminated?.exitCode).toBe(3);
    expect(podLogs(ns, pod.metadata.name)).toContain(
      `cannot read my pod as system:serviceaccount:${ns}:default: HTTP 403`,
    );
  });

  it('fails the Job with the exit code and the log tail as termination message', async () => {
    await apply(probeJob('fails', ['exit', '7']));
    await jobCondition('fails', 'Failed');
    const pod = await jobPod('fails');
    expect(pod.status.phase).toBe('Failed');
    const terminated = pod.status.containerStatuses?.[0]?.state.terminated;
    expect(terminated).toMatchObject({ exitCode: 7, reason: 'Error' });
    expect(terminated?.message).toContain('failing on purpose with exit code 7');
  });

  it('restarts a failing Deployment pod with back-off, counting restarts', async () => {
    await apply(probeDeployment('crashes', ['exit', '1']));
    const pod = await podOf('crashes');
    const status = await untilPod(ns, pod.metadata.name, 'two restarts', (p) => {
      const s = p.status.containerStatuses?.[0];
      return s && s.restartCount >= 2 ? s : undefined;
    });
    expect(status.restartCount).toBeGreaterThanOrEqual(2);
    expect(podLogs(ns, pod.metadata.name)).toContain('failing on purpose with exit code 1');
  });

  it('stops the process with SIGTERM when its pod is deleted', async () => {
    await apply(probeDeployment('sleeps', ['sleep']));
    const pod = await podOf('sleeps');
    await untilPod(ns, pod.metadata.name, 'Ready', isPodReady);
    await waitFor(
      'the process to wait for SIGTERM',
      () => Promise.resolve(podLogs(ns, pod.metadata.name).includes('sleeping until SIGTERM')),
      { timeoutMs: 30_000 },
    );
    await kubectl(['delete', 'pod', pod.metadata.name, '-n', ns, '--wait=false']);
    await waitFor(
      'the process to see SIGTERM',
      () => Promise.resolve(podLogs(ns, pod.metadata.name).includes('got SIGTERM')),
      {
        timeoutMs: 30_000,
        describe: () =>
          `logs: ${podLogs(ns, pod.metadata.name)}\n${tailOfLog(testbed().stateDir, 'agents', 20)}`,
      },
    );
    await waitFor(
      'the pod to be gone',
      async () => (await getPod(ns, pod.metadata.name)) === undefined,
      {
        timeoutMs: 30_000,
      },
    );
  });
});
