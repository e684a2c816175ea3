// npm run migrate -- handover -n <namespace> [--cr <name>] [--apply] [--step-timeout-seconds N]
// Prints the plan that hands the nodes of the Go Onload Operator's Onload CR over to this chart,
// node by node, and changes nothing; with --apply carries it out. Exit codes: 0 plan printed or
// handover done, 1 blocked (the plan says why), 2 error or timeout, 3 waiting for `helm install`.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { KubeConfig, loadYaml, type V1CustomResourceDefinition } from '@kubernetes/client-node';
import { HandoverCluster } from './cluster.ts';
import { operatorNames } from './names.ts';
import { formatPlan, nodeActions, planHandover } from './plan.ts';
import { runStep, type RunOptions } from './run.ts';

const root = join(import.meta.dirname, '..', '..', '..');
const chartCrdPath = join(root, 'charts', 'onload', 'crds', 'onload.amd.com_onloads.yaml');
const usage =
  'usage: npm run migrate -- handover -n <namespace> [--cr <Onload name>] [--apply] [--step-timeout-seconds 600]';

export async function handoverMain(args: string[]): Promise<number> {
  const { values: o } = parseArgs({
    args,
    options: {
      namespace: { type: 'string', short: 'n' },
      cr: { type: 'string', default: 'onload' },
      apply: { type: 'boolean', default: false },
      'step-timeout-seconds': { type: 'string', default: '600' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (o.help || o.namespace === undefined) {
    (o.help ? console.log : console.error)(usage);
    return o.help ? 0 : 2;
  }
  const namespace = o.namespace;
  const names = operatorNames(namespace, o.cr);
  const kc = new KubeConfig();
  kc.loadFromDefault();
  const cluster = new HandoverCluster(kc);
  const options: RunOptions = {
    stepTimeoutMs: Number(o['step-timeout-seconds']) * 1000,
    pollMs: 500,
    // loadYaml gives the client's typed model, which keeps the x-kubernetes-* schema keys.
    chartCrd: loadYaml<V1CustomResourceDefinition>(await readFile(chartCrdPath, 'utf8')),
    log: (line) => {
      console.log(line);
    },
  };

  let state = await cluster.read(namespace, o.cr, names);
  const plan = planHandover(state);
  console.log(`handover of Onload ${namespace}/${o.cr} from the Go Onload Operator to the chart:`);
  console.log(formatPlan(plan));
  if (plan.blockers.length > 0) return 1;
  if (!o.apply) {
    console.log('nothing was changed; run again with --apply to carry out this plan');
    return 0;
  }
  const started = Date.now();
  const at = (): string => `[${((Date.now() - started) / 1000).toFixed(1)}s]`;
  for (const step of plan.steps) {
    if (step.kind === 'install-chart') {
      console.log(`${at()} next: ${step.text}`);
      return 3;
    }
    if (step.kind === 'upgrade-chart') {
      console.log(`${at()} handover done; next: ${step.text}`);
      return 0;
    }
    if (step.kind === 'node') {
      // Fresh state: the node's pods and labels may have changed since the plan was printed.
      state = await cluster.read(namespace, o.cr, names);
      const node = state.nodes.find((n) => n.name === step.handover.node);
      if (node === undefined) continue;
      const handover = { ...step.handover, actions: nodeActions(node, state) };
      console.log(`${at()} ${step.text}`);
      await runStep(cluster, state, { ...step, handover }, options);
      console.log(`${at()} node ${node.name}: on the chart's driver and device plugin`);
      continue;
    }
    console.log(`${at()} ${step.text}`);
    await runStep(cluster, state, step, options);
  }
  return 0;
}
