// kubectl onload debug: the sfc and Onload reports of one node or every Onload node, printed here;
// or a privileged shell on a node. The pods are deleted afterwards, whatever happens.
import { spawn } from 'node:child_process';
import { stringFlag, UsageError, type FlagValues } from '../args.ts';
import { debugPod, podOptions, withShell, type ReportKind } from '../debug/index.ts';
import { releaseFlag } from '../release.ts';
import { Failure, type Command, type CommandContext } from './command.ts';
import { runKindReports, troubleshooting } from './troubleshooting.ts';

/** Pure: which reports the flags ask for (the Onload one when neither is given). */
export function reportKinds(flags: FlagValues): ReportKind[] {
  const kinds: ReportKind[] = [];
  if (flags.sfc === true) kinds.push('sfc');
  if (flags.onload === true || kinds.length === 0) kinds.push('onload');
  return kinds;
}

function kubectlExec(
  flags: FlagValues,
  shell: { namespace: string; pod: string; container: string },
  signal: AbortSignal,
): Promise<number> {
  const passed = ['kubeconfig', 'context'].flatMap((f) => {
    const v = stringFlag(flags, f);
    return v === undefined ? [] : [`--${f}`, v];
  });
  const args = [...passed, 'exec', '-it', '-n', shell.namespace, shell.pod];
  const child = spawn(
    process.env.KUBECTL ?? 'kubectl',
    [...args, '-c', shell.container, '--', 'sh'],
    { stdio: 'inherit', signal },
  );
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      resolve(code ?? 1);
    });
  });
}

async function run(ctx: CommandContext): Promise<void> {
  const node = ctx.args[0];
  const all = ctx.flags.all === true;
  if ((node === undefined) === !all)
    throw new UsageError(
      node === undefined
        ? 'debug needs a <node>, or --all for every Onload node of the release'
        : `give a <node> or --all, not both (got "${node}" and --all)`,
    );
  const kinds = reportKinds(ctx.flags);
  const shell = ctx.flags.shell === true;
  if (shell && (all || kinds.length > 1))
    throw new UsageError(
      '--shell opens one shell: give one <node> and at most one of --sfc, --onload',
    );
  const progress = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };
  const session = ctx.session();
  const t = await troubleshooting(session, ctx.flags);
  if (node !== undefined && !t.allNodes.includes(node))
    throw new Failure(`node ${node} not found: "kubectl get nodes" lists them`);
  const nodes = node !== undefined ? [node] : t.onloadNodes;
  if (nodes.length === 0) throw new Failure('the release selects no node: nothing to report on');
  if (node !== undefined && !t.onloadNodes.includes(node))
    progress(`note: node ${node} is not one of the release's Onload nodes`);

  if (shell) {
    const kind = kinds[0] ?? 'onload';
    const code = await withShell(
      t.pods,
      { pod: debugPod(podOptions(t.settings, nodes[0] ?? '', kind, 'shell')), progress },
      (s, signal) => kubectlExec(ctx.flags, s, signal),
    );
    if (code !== 0) throw new Failure(`the shell ended with exit code ${code}`);
    return;
  }
  let failed = 0;
  for (const kind of kinds) {
    for (const report of await runKindReports(t, kind, nodes, progress)) {
      ctx.out(`===== ${kind} report of node ${report.node}: ${report.outcome} =====`);
      if (report.text) ctx.out(report.text.trimEnd());
      for (const problem of report.problems) ctx.out(`(${problem})`);
      if (report.outcome !== 'succeeded') failed++;
    }
  }
  if (failed > 0)
    throw new Failure(`${failed} report(s) did not complete (see above); the pods are deleted`);
}

export const debugCommand: Command = {
  name: 'debug',
  summary: 'Run the sfc and Onload reports on a node (or every Onload node), or open a shell there',
  details: [
    "Starts a privileged troubleshooting pod per node (the release's <fullname>-troubleshooting settings), prints its report, and deletes it. The Onload report (default) features onload_stackdump and orm_json, the driver and userland versions and the /proc and /sys facts; the sfc report features sfreport.",
    '--shell starts one such pod and runs "kubectl exec -it ... -- sh" in it; the pod is deleted when the shell ends.',
  ],
  args: [{ name: 'node', help: 'the node to report on', optional: true }],
  flags: [
    { long: 'all', help: 'every Onload node of the release' },
    { long: 'onload', help: 'the Onload report (the default)' },
    { long: 'sfc', help: 'the sfc report (sfreport)' },
    { long: 'shell', help: 'a privileged shell on the node instead of a report' },
    releaseFlag,
  ],
  examples: [
    'kubectl onload debug worker-3 -n onload',
    'kubectl onload debug --all --sfc --onload -n onload > reports.txt',
    'kubectl onload debug worker-3 --shell -n onload',
  ],
  run,
};
