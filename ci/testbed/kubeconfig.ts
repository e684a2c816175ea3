import { stringify } from 'yaml';

export interface KubeconfigUser {
  readonly name: string;
  readonly clientCertificate?: string;
  readonly clientKey?: string;
  readonly token?: string;
}

/** A one-context kubeconfig for the test bed's API server. Pure: returns the YAML text. */
export function renderKubeconfig(
  server: string,
  caFile: string,
  user: KubeconfigUser,
  namespace = 'default',
): string {
  const credentials: Record<string, string> = {};
  if (user.clientCertificate) credentials['client-certificate'] = user.clientCertificate;
  if (user.clientKey) credentials['client-key'] = user.clientKey;
  if (user.token) credentials.token = user.token;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'testbed', cluster: { server, 'certificate-authority': caFile } }],
    users: [{ name: user.name, user: credentials }],
    contexts: [{ name: 'testbed', context: { cluster: 'testbed', user: user.name, namespace } }],
    'current-context': 'testbed',
  });
}
