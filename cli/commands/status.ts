// kubectl onload status: the Onload resource's status and the rollout per node.
import { stringFlag, type FlagSpec } from '../args.ts';
import { findOnload, releaseFlag } from '../release.ts';
import { buildStatus } from '../status/report.ts';
import { outputFormats, renderStatus, type OutputFormat } from '../status/render.ts';
import type { Command } from './command.ts';

const outputFlag: FlagSpec = {
  long: 'output',
  short: 'o',
  value: { name: 'format', choices: outputFormats },
  help: 'json or yaml: the status as data; wide: more columns (default: a table)',
};

export const statusCommand: Command = {
  name: 'status',
  summary: 'Show the rollout: the Onload status and, per node, its step and driver versions',
  details: [
    'Per node: the rollout state (with the time in it), the version KMM must run and the one it ' +
      'reports loaded for onload and sfc ("loaded" where KMM < 2.5 does not say which), and ' +
      'notes: skip (labelled onload.amd.com/upgrade-skip=true), paused (device plugin and control ' +
      'plane stopped by the rollout), failed with its reason. Nodes: those the release selects ' +
      'or that carry its labels.',
  ],
  flags: [outputFlag, releaseFlag],
  examples: [
    'kubectl onload status -n onload',
    'kubectl onload status -n onload -o wide',
    'kubectl onload status -n onload -r onload-prod -o json',
  ],
  async run(ctx) {
    const session = ctx.session();
    const onload = await findOnload(session, ctx.flags);
    const nodes = await session.port.listNodes('');
    const format = (stringFlag(ctx.flags, 'output') ?? 'table') as OutputFormat;
    ctx.out(renderStatus(buildStatus(session.namespace, onload, nodes), format, ctx.now()));
  },
};
