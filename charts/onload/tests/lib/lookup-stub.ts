// `helm template` cannot be given lookup results, so a test that needs the chart to see a cluster
// renders a copy of the chart in which the one template that looks the KMM Module CRD up
// (`onload.kmmModuleCrd`, templates/_module-tolerations.tpl) answers with a given CRD instead.
import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { chartDir } from '../../../../ci/lib/helm.ts';

/**
 * Helm parses a chart's templates in reverse name order and a later definition of a template
 * replaces an earlier one, so this name (sorting before every other template) wins.
 */
const stubFile = '_0-lookup-stub.tpl';

/** Path of a chart copy whose lookup of the Module CRD finds `crd` (undefined: not installed). */
export async function chartWithModuleCrd(crd: object | undefined): Promise<string> {
  const copy = join(await mkdtemp(join(tmpdir(), 'onload-chart-')), 'onload');
  await cp(chartDir, copy, {
    recursive: true,
    filter: (source) => !relative(chartDir, source).split(sep).includes('tests'),
  });
  const answer = JSON.stringify(crd ?? {});
  await writeFile(
    join(copy, 'templates', stubFile),
    `{{- define "onload.kmmModuleCrd" -}}\n${answer}\n{{- end -}}\n`,
  );
  return copy;
}
