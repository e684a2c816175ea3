// kubectl onload version.
import { cliVersion } from '../version.ts';
import type { Command } from './command.ts';

export const versionCommand: Command = {
  name: 'version',
  summary: "Print the plugin's version (the chart version it was built with)",
  run(ctx) {
    ctx.out(`kubectl-onload ${cliVersion}`);
    return Promise.resolve();
  },
};
