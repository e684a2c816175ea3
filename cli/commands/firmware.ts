// kubectl onload firmware: the Solarflare firmware tools (sfboot settings, sfupdate images) as
// Jobs, one node at a time. A dry run (the default) reports each node's current configuration and
// what --apply would do; --apply drains the node with the rollout's own eviction, runs the Job,
// reloads the driver after a flash, brings the node back, and stops at the first node that fails.
import { hostname } from 'node:os';
import { rolloutLeaseName } from '../../hooks/src/contract.ts';
import { consumers, podKey } from '../../hooks/src/model/pods.ts';
import {
  defaultLeaseSeconds,
  hostIdentityPrefix,
  RolloutLease,
} from '../../hooks/src/runtime/lease.ts';
import { createLogger } from '../../hooks/src/log/logger.ts';
import { stringFlag, UsageError, type FlagValues } from '../args.ts';
import { interruptible } from '../debug/run.ts';
import { applyOnNode, type ApplyResult } from '../firmware/apply.ts';
import { ClientNodeFirmwareJobs, type FirmwareJobPort } from '../firmware/job-port.ts';
import { firmwareJob } from '../firmware/job.ts';
import type { Limits } from '../firmware/plan.ts';
import {
  afterWrite,
  firmwareCommands,
  firmwareRequest,
  type FirmwareRequest,
} from '../firmware/request.ts';
import { runFirmwareJob, type JobResult } from '../firmware/run-job.ts';
import { releaseFlag } from '../release.ts';
import { Failure, type Command, type CommandContext, type Session } from './command.ts';
import { troubleshooting, type Troubleshooting } from './troubleshooting.ts';

const defaultDrainSeconds = 300;

function seconds(flags: FlagValues, flag: string, fallback: number): number {
  const text = stringFlag(flags, flag);
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(
      `flag --${flag}: "${text}" is not a whole number of seconds, e.g. --${flag} 600`,
    );
  return n;
}

/** Pure: the nodes to work on, from <node> or --all. */
export function chooseNodes(
  node: string | undefined,
  all: boolean,
  t: Pick<Troubleshooting, 'onloadNodes' | 'allNodes'>,
): string[] {
  if ((node === undefined) === !all)
    throw new UsageError(
      node === undefined
        ? 'firmware needs a <node>, or --all for every Onload node of the release (one at a time)'
        : `give a <node> or --all, not both (got "${node}" and --all)`,
    );
  if (node !== undefined && !t.allNodes.includes(node))
    throw new Failure(`node ${node} not found: "kubectl get nodes" lists them`);
  const nodes = node !== undefined ? [node] : [...t.onloadNodes];
  if (nodes.length === 0) throw new Failure('the release selects no node: nothing to do');
  return nodes;
}

/** Pure: what --apply would do on a node, in words. */
export function plannedSteps(
  request: FirmwareRequest,
  onloadNode: boolean,
  podsToEvict: readonly string[],
): string[] {
  const commands = firmwareCommands({ ...request, apply: true }).map((c) => c.join(' '));
  return [
    onloadNode
      ? `pause the node and evict ${podsToEvict.length} pod(s) using amd.com/onload${podsToEvict.length > 0 ? `: ${podsToEvict.join(', ')}` : ''}`
      : 'not an Onload node of the release: nothing to drain',
    ...(commands.length > 0
      ? commands.map((c) => `run: ${c}`)
      : ['run: nothing (give --sfboot and/or --sfupdate)']),
    ...(onloadNode && request.update
      ? ['reload the driver through KMM (onload out, sfc out, sfc in, onload in)']
      : []),
    ...(onloadNode ? ['remove the pause and wait for the device plugin to be Ready'] : []),
    ...afterWrite(request),
  ];
}

function jobRunner(
  jobs: FirmwareJobPort,
  t: Troubleshooting,
  request: FirmwareRequest,
  signal: AbortSignal,
  progress: (l: string) => void,
) {
  return (node: string): Promise<JobResult> =>
    runFirmwareJob(
      jobs,
      firmwareJob({ settings: t.settings, node, commands: firmwareCommands(request) }),
      {
        waitSeconds: t.settings.reportDeadlineSeconds + 60,
        signal,
        progress: (line) => {
          progress(`${node}: ${line}`);
        },
      },
    );
}

function printJob(
  ctx: CommandContext,
  node: string,
  title: string,
  job: JobResult | undefined,
): void {
  ctx.out(`===== firmware of node ${node}: ${title} =====`);
  if (job?.text) ctx.out(job.text.trimEnd());
  for (const problem of job?.problems ?? []) ctx.out(`(${problem})`);
}

/** One invocation: where it runs, on which nodes, what it was asked, how a Job is run. */
interface Invocation {
  readonly ctx: CommandContext;
  readonly session: Session;
  readonly t: Troubleshooting;
  readonly nodes: readonly string[];
  readonly request: FirmwareRequest;
  readonly run: (node: string) => Promise<JobResult>;
  readonly signal: AbortSignal;
  readonly progress: (line: string) => void;
  readonly limits: Limits;
}

async function dryRun({ ctx, session, t, nodes, request, run }: Invocation): Promise<void> {
  let failed = 0;
  for (const node of nodes) {
    const job = await run(node);
    printJob(ctx, node, `dry run, ${job.outcome}`, job);
    const onloadNode = t.onloadNodes.includes(node);
    const pods = onloadNode
      ? consumers(
          await session.port.listPods({ fieldSelector: `spec.nodeName=${node}` }),
          node,
          undefined,
        ).map(podKey)
      : [];
    ctx.out('--apply would:');
    for (const step of plannedSteps(request, onloadNode, pods)) ctx.out(`  - ${step}`);
    if (job.outcome !== 'succeeded') failed++;
  }
  ctx.out('Dry run: nothing was written. Add --apply to write, one node at a time.');
  if (failed > 0)
    throw new Failure(`${failed} node(s) could not report their firmware (see above)`);
}

async function apply(invocation: Invocation): Promise<void> {
  const { ctx, session, t, nodes, request, run, signal, progress, limits } = invocation;
  const onload = t.settings.release;
  const results: [string, ApplyResult][] = [];
  for (const node of nodes) {
    progress(`${node}: firmware (${results.length + 1}/${nodes.length})`);
    const result: ApplyResult = t.onloadNodes.includes(node)
      ? await applyOnNode({
          port: session.port,
          release: { namespace: session.namespace, release: onload },
          node,
          limits,
          reloadAfterFlash: request.update,
          flash: () => run(node),
          signal,
          progress: (line) => {
            progress(`${node}: ${line}`);
          },
        })
      : await flashOnly(node, run);
    results.push([node, result]);
    const title = result.kind === 'done' ? 'written' : result.kind;
    printJob(ctx, node, title, result.kind === 'refused' ? undefined : result.job);
    if (result.kind !== 'done') {
      ctx.out(result.message);
      break;
    }
    for (const note of afterWrite(request)) ctx.out(`note: ${note}`);
  }
  const done = results.filter(([, r]) => r.kind === 'done').map(([n]) => n);
  const notStarted = nodes.slice(results.length);
  ctx.out(
    `Firmware written on ${done.length} of ${nodes.length} node(s)${done.length > 0 ? ` (${done.join(', ')})` : ''}${notStarted.length > 0 ? `; not started: ${notStarted.join(', ')}` : ''}.`,
  );
  const bad = results.find(([, r]) => r.kind !== 'done');
  if (bad)
    throw new Failure(
      `node ${bad[0]}: firmware not written as asked (see above); the nodes after it were not touched`,
    );
}

async function flashOnly(
  node: string,
  run: (node: string) => Promise<JobResult>,
): Promise<ApplyResult> {
  const job = await run(node);
  return job.outcome === 'succeeded'
    ? { kind: 'done', job }
    : { kind: 'failed', message: `the firmware Job ${job.outcome}`, job };
}

async function holdLease(
  session: Session,
  name: string,
  onLost: () => void,
): Promise<RolloutLease> {
  const lease = new RolloutLease(
    session.port,
    {
      namespace: session.namespace,
      name: rolloutLeaseName(name),
      identity: `${hostIdentityPrefix}kubectl-onload-firmware@${hostname()}:${process.pid}`,
      durationSeconds: defaultLeaseSeconds,
      now: Date.now,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    },
    createLogger({ level: 'warn', sink: { write: (line) => process.stderr.write(`${line}\n`) } }),
  );
  const acquired = await lease.tryAcquire();
  if (acquired.kind === 'held')
    throw new Failure(
      `a rollout or another firmware run (${acquired.holder}) holds Lease ${session.namespace}/${rolloutLeaseName(name)}: nothing was done; run this again once it has finished ("kubectl onload status")`,
    );
  lease.startRenewing(onLost);
  return lease;
}

async function run(ctx: CommandContext): Promise<void> {
  const request = firmwareRequest(ctx.flags);
  const limits: Limits = {
    drainSeconds: seconds(ctx.flags, 'drain-timeout', defaultDrainSeconds),
    reloadSeconds: 600,
    resumeSeconds: 300,
  };
  const progress = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };
  const session = ctx.session();
  const t = await troubleshooting(session, ctx.flags);
  const nodes = chooseNodes(ctx.args[0], ctx.flags.all === true, t);
  const { signal, dispose } = interruptible(undefined, process, progress);
  // Aborted on SIGINT/SIGTERM, and when the rollout Lease is lost.
  const stop = new AbortController();
  signal.addEventListener('abort', () => {
    stop.abort();
  });
  const jobs = session.firmwareJobs ?? new ClientNodeFirmwareJobs(session.kubeConfig);
  const invocation: Invocation = {
    ctx,
    session,
    t,
    nodes,
    request,
    run: jobRunner(jobs, t, request, stop.signal, progress),
    signal: stop.signal,
    progress,
    limits,
  };
  try {
    if (!request.apply) {
      await dryRun(invocation);
      return;
    }
    const lease = await holdLease(session, t.fullname, () => {
      progress('lost the rollout Lease: stopping');
      stop.abort();
    });
    try {
      await apply(invocation);
    } finally {
      lease.stopRenewing();
      await lease.release();
    }
  } finally {
    dispose();
  }
}

export const firmwareCommand: Command = {
  name: 'firmware',
  summary: 'Report or change Solarflare adapter firmware (sfboot, sfupdate), one node at a time',
  details: [
    "Runs a privileged Job per node with the Solarflare utilities (diagnostics.sfc.image when set, else the host's through chroot). Without --apply (the default) it only reads: sfboot and sfupdate print the current settings and firmware versions, and the output lists what --apply would do.",
    'With --apply, one node at a time: the node is paused (its device plugin, control plane and metrics pods leave) and the pods using amd.com/onload are evicted through the Eviction API, as in a rollout; the Job runs sfboot <settings> and/or sfupdate --write --yes; after a flash the driver is reloaded through KMM; the pause is removed and the device plugin must be Ready again before the next node. The rollout Lease is held meanwhile, so no helm upgrade moves nodes at the same time.',
    'A failure stops at that node. Before the Job, the node is unpaused and nothing was written; after, the node stays paused and the output says what to check. sfboot settings take effect at the next reboot (port-mode and switch-mode after a cold one).',
  ],
  args: [{ name: 'node', help: 'the node to work on', optional: true }],
  flags: [
    { long: 'all', help: 'every Onload node of the release, one at a time' },
    {
      long: 'sfboot',
      value: { name: 'key=value[,key=value]' },
      help: 'sfboot settings to write, e.g. firmware-variant=ultra-low-latency',
    },
    { long: 'sfupdate', help: 'flash the firmware images the tools carry (sfupdate --write)' },
    {
      long: 'adapter',
      value: { name: 'interface' },
      help: 'one adapter (its interface name); default every adapter',
    },
    { long: 'apply', help: 'write (the default is a dry run that only reads)' },
    {
      long: 'drain-timeout',
      value: { name: 'seconds' },
      help: `how long the node may take to drain (default ${defaultDrainSeconds})`,
    },
    releaseFlag,
  ],
  examples: [
    'kubectl onload firmware worker-3 --sfboot firmware-variant=ultra-low-latency -n onload',
    'kubectl onload firmware --all --sfupdate --apply -n onload',
  ],
  run,
};
