// kubectl onload skip / unskip <node>: the users' skip label, written through the hooks' one
// node writer.
import { skipLabel } from '../../hooks/src/contract.ts';
import {
  isInProgressState,
  readNodeFacts,
  type NodeFacts,
} from '../../hooks/src/model/node-facts.ts';
import { NodeWriter } from '../../hooks/src/runtime/node-writer.ts';
import { program } from '../args.ts';
import { Failure, type Command, type CommandContext } from './command.ts';

/** Pure: what the user reads once the node carries (skip) or lacks (unskip) the label. */
export function skipMessage(facts: NodeFacts, skip: boolean, changed: boolean): string {
  const node = facts.name;
  if (skip) {
    const underWay =
      facts.paused || isInProgressState(facts.state)
        ? [
            `Its upgrade is under way (${facts.state ?? 'paused'}): the running rollout still finishes it.`,
          ]
        : [];
    return [
      changed
        ? `node ${node} labelled ${skipLabel}=true: rollouts leave it on the version it runs.`
        : `node ${node} already carries ${skipLabel}=true.`,
      ...underWay,
      `To upgrade it later: ${program} unskip ${node}, then run the same helm upgrade again.`,
    ].join('\n');
  }
  return [
    changed ? `node ${node}: label ${skipLabel} removed.` : `node ${node} is not skipped.`,
    'The next rollout upgrades it: run the same helm upgrade again (e.g. with --reuse-values), or let Argo CD sync.',
  ].join('\n');
}

async function setSkip(ctx: CommandContext, skip: boolean): Promise<void> {
  const name = ctx.args[0] ?? '';
  const session = ctx.session();
  const node = await session.port.getNode(name);
  if (!node) throw new Failure(`node "${name}" not found: "kubectl get nodes" lists the nodes`);
  const writer = new NodeWriter(session.port, session.namespace);
  const settled = await writer.settle(node, (facts) =>
    facts.skip === skip ? undefined : { skip },
  );
  if (settled.kind === 'lost')
    throw new Failure(`node "${name}" was deleted or kept changing while it was being labelled`);
  const facts =
    settled.kind === 'written' ? readNodeFacts(settled.node, session.namespace) : settled.facts;
  ctx.out(skipMessage(facts, skip, settled.kind === 'written'));
}

const nodeArg = { name: 'node', help: 'the name of the Node' } as const;

export const skipCommand: Command = {
  name: 'skip',
  summary: `Keep a node out of rollouts (labels it ${skipLabel}=true)`,
  details: [
    'The node stays on the version it runs; a node whose upgrade is already under way is finished first. The label is the same for every release.',
  ],
  args: [nodeArg],
  examples: ['kubectl onload skip worker-07'],
  run: (ctx) => setSkip(ctx, true),
};

export const unskipCommand: Command = {
  name: 'unskip',
  summary: `Let rollouts upgrade a node again (removes ${skipLabel})`,
  details: ['The next helm upgrade (or Argo CD sync) upgrades the node.'],
  args: [nodeArg],
  examples: ['kubectl onload unskip worker-07'],
  run: (ctx) => setSkip(ctx, false),
};
