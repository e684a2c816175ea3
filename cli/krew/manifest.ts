// The krew Plugin manifest of a release of kubectl-onload: its archive's URI and sha256 are known
// only once the archive is published, so the manifest is made from them here. Pure.
import { stringify } from 'yaml';
import { minimumNode } from '../node-version.ts';

export interface ReleaseInputs {
  /** The chart version, without or with a leading "v". */
  readonly version: string;
  /** Where the release's tar.gz (holding kubectl-onload at its top) is downloaded from. */
  readonly uri: string;
  readonly sha256: string;
  readonly homepage?: string;
}

/** The input that is not usable, named by its flag, or undefined. */
export function invalidInput(inputs: ReleaseInputs): string | undefined {
  if (!/^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/.test(inputs.version))
    return `--version: "${inputs.version}" is not a semantic version such as 0.1.0`;
  if (!/^https:\/\/\S+\.tar\.gz$/.test(inputs.uri))
    return `--uri: "${inputs.uri}" is not an https URL of a .tar.gz archive`;
  if (!/^[0-9a-f]{64}$/.test(inputs.sha256))
    return `--sha256: "${inputs.sha256}" is not 64 lower-case hex digits`;
  if (inputs.homepage !== undefined && !/^https:\/\/\S+$/.test(inputs.homepage))
    return `--homepage: "${inputs.homepage}" is not an https URL`;
  return undefined;
}

export function krewManifest(inputs: ReleaseInputs): string {
  const invalid = invalidInput(inputs);
  if (invalid) throw new Error(invalid);
  const version = inputs.version.startsWith('v') ? inputs.version : `v${inputs.version}`;
  return stringify({
    apiVersion: 'krew.googlecontainertools.github.com/v1alpha2',
    kind: 'Plugin',
    metadata: { name: 'onload' },
    spec: {
      version,
      ...(inputs.homepage !== undefined ? { homepage: inputs.homepage } : {}),
      shortDescription: "Operate the Onload Helm chart's ordered driver rollouts",
      description:
        'Shows the rollout of the Onload Helm chart (AMD OpenOnload through KMM) node by node, ' +
        'pauses and resumes it, and keeps nodes out of it.\n',
      caveats: `Needs Node.js ${minimumNode} or newer first on PATH.\n`,
      platforms: [
        {
          selector: {
            matchExpressions: [{ key: 'os', operator: 'In', values: ['linux', 'darwin'] }],
          },
          uri: inputs.uri,
          sha256: inputs.sha256,
          bin: 'kubectl-onload',
          files: [{ from: 'kubectl-onload', to: '.' }],
        },
      ],
    },
  });
}
