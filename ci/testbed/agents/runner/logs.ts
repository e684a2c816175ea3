import { join } from 'node:path';

/** Where the test bed keeps a pod's container output (what `kubectl logs` would show). */
export function podLogPath(stateDir: string, namespace: string, pod: string): string {
  return join(stateDir, 'logs', 'pods', `${namespace}_${pod}.log`);
}

/** The same output in the CRI log format KWOK serves to `kubectl logs` (and Helm's hook logs). */
export function criLogPath(stateDir: string, namespace: string, pod: string): string {
  return join(stateDir, 'logs', 'pods', `${namespace}_${pod}.cri.log`);
}

/**
 * Turns a chunk of container output into CRI log lines (`<time> <stream> F <line>`), carrying an
 * unfinished last line over to the next chunk. Pure.
 */
export function criLines(
  pending: string,
  chunk: string,
  stream: 'stdout' | 'stderr',
  time: string,
): { lines: string; pending: string } {
  const parts = (pending + chunk).split('\n');
  const rest = parts.pop() ?? '';
  return { lines: parts.map((line) => `${time} ${stream} F ${line}\n`).join(''), pending: rest };
}

/** KWOK's per-pod Logs object pointing its log server at the CRI file; owned by the pod. */
export function kwokLogs(
  pod: { name: string; namespace: string; uid: string; container: string },
  file: string,
): Record<string, unknown> {
  return {
    apiVersion: 'kwok.x-k8s.io/v1alpha1',
    kind: 'Logs',
    metadata: {
      name: pod.name,
      namespace: pod.namespace,
      ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: pod.name, uid: pod.uid }],
    },
    spec: { logs: [{ containers: [pod.container], logsFile: file, follow: true }] },
  };
}
