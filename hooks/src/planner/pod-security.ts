// Pod Security Admission: the chart's device plugin, control plane and sfptpd pods and KMM's
// worker pods are privileged (host network/PID/IPC, hostPath, privileged containers). A namespace
// that enforces the baseline or restricted standard refuses them only when the DaemonSet and KMM
// create the pods, so the pre hook checks the namespace label first. Pure.

export const enforceLabel = 'pod-security.kubernetes.io/enforce';

export function podSecurityProblem(
  namespace: string,
  labels: Readonly<Record<string, string>>,
): string | undefined {
  const level = labels[enforceLabel];
  if (level === undefined || level === 'privileged') return undefined;
  return (
    `namespace "${namespace}" enforces the "${level}" Pod Security Standard (label ${enforceLabel}=${level}), ` +
    "which refuses the privileged pods Onload needs (the device plugin, control plane and sfptpd, and KMM's worker pods that load the driver); " +
    `allow them: kubectl label namespace ${namespace} ${enforceLabel}=privileged --overwrite`
  );
}
