// The KMM Module CRD as clusters serve it: KMM 2.2's (the release-2.2 CRD the test bed installs,
// without spec.tolerations) and KMM >= 2.3's (the same with spec.tolerations, the field 2.3 added,
// as the bed's newest KMM API serves it).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { kmmCrdFiles } from '../../../../ci/testbed/crds.ts';
import { sourceModuleDir } from '../../../../ci/tools/build.ts';

export interface ModuleCrd {
  readonly spec: {
    readonly versions: readonly {
      readonly name: string;
      readonly served: boolean;
      readonly schema: {
        readonly openAPIV3Schema: {
          readonly properties: {
            readonly spec: { readonly properties: Readonly<Record<string, unknown>> };
          };
        };
      };
    }[];
  };
}

/** KMM's own release-2.2 Module CRD (from the pinned Go module). */
export async function kmm22ModuleCrd(): Promise<ModuleCrd> {
  const file = kmmCrdFiles.find((f) => f.endsWith('_modules.yaml')) ?? '';
  const dir = join(await sourceModuleDir('kmm'), 'config/crd/bases');
  return parse(await readFile(join(dir, file), 'utf8')) as ModuleCrd;
}

/** The CRD with spec.tolerations added to every version, as KMM >= 2.3 serves it. */
export { withModuleTolerations } from '../../../../ci/testbed/crds.ts';
