// kubectl onload support-bundle: everything AMD support asks for about the release namespace, in
// one tar.gz (cli/support-bundle/README.md says what it holds and the access it needs).
import { resolve } from 'node:path';
import { stringFlag, UsageError } from '../args.ts';
import type { ReportKind } from '../debug/index.ts';
import { releaseFlag } from '../release.ts';
import {
  ClientNodeSource,
  defaults,
  writeSupportBundle,
  type BundleFile,
} from '../support-bundle/index.ts';
import { Failure, type Command, type CommandContext, type Session } from './command.ts';
import { reportFile, runKindReports, troubleshooting } from './troubleshooting.ts';

const reportKinds: readonly ReportKind[] = ['onload', 'sfc'];

/** The per-node reports as bundle files; when they cannot run at all, a file saying why. */
async function nodeReports(
  ctx: CommandContext,
  session: Session,
  nodeSelector: string | undefined,
  progress: (line: string) => void,
): Promise<BundleFile[]> {
  try {
    const t = await troubleshooting(session, ctx.flags);
    const nodes =
      nodeSelector !== undefined
        ? (await session.port.listNodes(nodeSelector)).map((n) => n.name)
        : t.onloadNodes;
    const files: BundleFile[] = [];
    for (const kind of reportKinds)
      for (const report of await runKindReports(t, kind, nodes, progress))
        files.push(reportFile(kind, report));
    return files;
  } catch (error) {
    // The cluster side is still collected: a bundle without the reports beats no bundle.
    const why = error instanceof Error ? error.message : String(error);
    progress(`per-node reports not collected: ${why}`);
    return [{ path: 'reports-not-collected.txt', content: `${why}\n` }];
  }
}

function positiveSeconds(ctx: CommandContext, flag: string, fallbackMs: number): number {
  const raw = stringFlag(ctx.flags, flag);
  if (raw === undefined) return fallbackMs;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`flag --${flag}: "${raw}" is not a positive number of seconds`);
  return n * 1000;
}

async function run(ctx: CommandContext): Promise<void> {
  const timeoutMs = positiveSeconds(ctx, 'timeout', defaults.timeoutMs);
  const session = ctx.session();
  const stamp = new Date(ctx.now())
    .toISOString()
    .replaceAll(':', '')
    .replace(/\.\d+Z$/, 'Z');
  const output = resolve(
    stringFlag(ctx.flags, 'output-file') ?? `onload-support-${session.namespace}-${stamp}.tar.gz`,
  );
  const release = stringFlag(ctx.flags, 'helm-release');
  const nodeSelector = stringFlag(ctx.flags, 'selector');
  const progress = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };
  const extraFiles =
    ctx.flags['no-reports'] === true ? [] : await nodeReports(ctx, session, nodeSelector, progress);
  let report;
  try {
    report = await writeSupportBundle(
      {
        source: new ClientNodeSource(session.kubeConfig),
        namespace: session.namespace,
        output,
        timeoutMs,
        ...(release !== undefined ? { release } : {}),
        ...(nodeSelector !== undefined ? { nodeSelector } : {}),
        extraFiles,
      },
      progress,
    );
  } catch (error) {
    throw new Failure(
      `could not write ${output}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const missing = report.index.failures;
  ctx.out(
    [
      `wrote ${report.path} (${Math.ceil(report.bytes / 1024)} KiB, ${report.index.files.length} files)`,
      missing.length === 0
        ? 'everything was collected'
        : `${missing.length} item(s) not collected (README.txt in the bundle says why):\n${missing
            .map((f) => `  ${f.item}: ${f.reason}: ${f.detail}`)
            .join('\n')}`,
    ].join('\n'),
  );
}

export const supportBundleCommand: Command = {
  name: 'support-bundle',
  summary: 'Gather the release, KMM, nodes, pods and logs into one tar.gz for support',
  details: [
    'Reads only. Secret objects are never written; Helm values under secret-looking keys and PEM blocks are redacted.',
    'An item that cannot be read (RBAC, a CRD not installed, a timeout) is listed in the bundle with the reason; the rest is still written.',
    'First it runs the Onload and sfc reports (kubectl onload debug) on the nodes and adds them as nodes/<node>/diagnostics/<kind>-report.txt; --no-reports leaves them out.',
  ],
  flags: [
    {
      long: 'output-file',
      short: 'f',
      value: { name: 'file' },
      help: 'where to write the tar.gz (default: onload-support-<namespace>-<UTC time>.tar.gz here)',
    },
    {
      long: 'helm-release',
      value: { name: 'name' },
      help: 'the Helm release (default: every release of the onload chart in the namespace)',
    },
    {
      long: 'selector',
      short: 'l',
      value: { name: 'labels' },
      help: 'label selector of the nodes to include (default: those the Onload resource selects)',
    },
    { long: 'no-reports', help: 'leave out the per-node Onload and sfc reports' },
    releaseFlag,
    {
      long: 'timeout',
      value: { name: 'seconds' },
      help: `time limit of each item collected (default ${defaults.timeoutMs / 1000})`,
    },
  ],
  examples: [
    'kubectl onload support-bundle -n onload',
    'kubectl onload support-bundle -n onload -f /tmp/onload.tar.gz --timeout 60',
  ],
  run,
};
