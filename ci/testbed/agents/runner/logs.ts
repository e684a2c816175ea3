import { join } from 'node:path';

/** Where the test bed keeps a pod's container output (what `kubectl logs` would show). */
export function podLogPath(stateDir: string, namespace: string, pod: string): string {
  return join(stateDir, 'logs', 'pods', `${namespace}_${pod}.log`);
}
