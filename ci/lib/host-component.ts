// Running one of the chart's components (a hook phase, the labeller) on the host the way the chart
// runs it: the environment its Job or Deployment renders, and a kubeconfig with a TokenRequest
// token of its own ServiceAccount, whose RBAC comes from the same rendering.
import { writeFile } from 'node:fs/promises';
import { parseAllDocuments, stringify } from 'yaml';
import { chartDir, helm } from './helm.ts';
import type { RunResult } from './process.ts';

export interface RenderedManifest {
  readonly kind?: string;
  readonly metadata?: { readonly name?: string };
  readonly spec?: {
    readonly template?: {
      readonly spec?: {
        readonly serviceAccountName?: string;
        readonly containers?: readonly {
          readonly env?: readonly { readonly name: string; readonly value?: string }[];
        }[];
      };
    };
  };
}

export interface ChartRendering {
  readonly release: string;
  readonly namespace: string;
  readonly valuesFile: string;
  /** A template path, as for `helm template --show-only`. */
  readonly showOnly: string;
}

const rbacKinds = ['ServiceAccount', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'];

export async function renderChart(r: ChartRendering): Promise<RenderedManifest[]> {
  const { stdout } = await helm(3, [
    'template',
    r.release,
    chartDir,
    '--namespace',
    r.namespace,
    '-f',
    r.valuesFile,
    '--show-only',
    r.showOnly,
  ]);
  return parseAllDocuments(stdout)
    .map((d) => d.toJS() as RenderedManifest | null)
    .filter((m): m is RenderedManifest => m !== null);
}

export interface RenderedPod {
  /** The first container's environment, the namespace fieldRef resolved. */
  readonly env: Record<string, string>;
  readonly serviceAccountName?: string;
}

/** What the pods of `kind` `name` run with, from one rendering. */
export async function renderedPod(
  r: ChartRendering,
  kind: string,
  name: string,
): Promise<RenderedPod> {
  const doc = (await renderChart(r)).find((d) => d.kind === kind && d.metadata?.name === name);
  const spec = doc?.spec?.template?.spec;
  const env = spec?.containers?.[0]?.env ?? [];
  if (env.length === 0) throw new Error(`the chart renders no ${kind} ${name} with an environment`);
  return {
    env: {
      ...Object.fromEntries(
        env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value ?? '']),
      ),
      ONLOAD_NAMESPACE: r.namespace,
    },
    ...(spec?.serviceAccountName !== undefined
      ? { serviceAccountName: spec.serviceAccountName }
      : {}),
  };
}

/** The environment of the first container of `kind` `name`, with the namespace fieldRef resolved. */
export async function containerEnv(
  r: ChartRendering,
  kind: string,
  name: string,
): Promise<Record<string, string>> {
  return (await renderedPod(r, kind, name)).env;
}

/**
 * The ServiceAccount `account` and its RBAC objects (named after it; cluster-scoped ones carry a
 * namespace prefix) that a rendering holds, as one YAML stream. A template may hold several
 * identities (templates/hooks-rbac.yaml), some of them ordinary release objects Helm installs.
 */
export async function renderedRbac(r: ChartRendering, account: string): Promise<string> {
  const docs = (await renderChart(r)).filter((d) => {
    const name = d.metadata?.name ?? '';
    return rbacKinds.includes(d.kind ?? '') && (name === account || name.endsWith(`-${account}`));
  });
  if (docs.length === 0)
    throw new Error(`${r.showOnly} renders no ServiceAccount or RBAC of ${account}`);
  return docs.map((d) => stringify(d)).join('---\n');
}

export interface TokenKubeconfig {
  readonly kubectl: (args: readonly string[]) => Promise<RunResult>;
  readonly account: string;
  readonly namespace: string;
  readonly server: string;
  readonly caCert: string;
  readonly duration: string;
  /** Where the kubeconfig is written. */
  readonly file: string;
}

/** Writes a kubeconfig with a fresh TokenRequest token of `account`; returns its path. */
export async function writeTokenKubeconfig(t: TokenKubeconfig): Promise<string> {
  const token = await t.kubectl([
    'create',
    'token',
    t.account,
    '-n',
    t.namespace,
    `--duration=${t.duration}`,
  ]);
  await writeFile(
    t.file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        { name: 'testbed', cluster: { server: t.server, 'certificate-authority': t.caCert } },
      ],
      users: [{ name: t.account, user: { token: token.stdout.trim() } }],
      contexts: [
        {
          name: t.account,
          context: { cluster: 'testbed', user: t.account, namespace: t.namespace },
        },
      ],
      'current-context': t.account,
    }),
  );
  return t.file;
}
