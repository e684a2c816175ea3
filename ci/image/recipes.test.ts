// The Onload image recipes cannot be built here (their bases and onload-source are not
// obtainable), so their structure is checked: stages and build arguments, and the userland paths
// against what the chart's init containers copy. The chart's in-cluster Dockerfiles (the
// kernel-module recipe, images/onload-module/README.md) get the same check.
import { describe, expect, it } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '../lib/helm.ts';
import { renderText } from '../../charts/onload/tests/lib/render.ts';
import { containerfileProblems, parseContainerfile } from './containerfile.ts';

const userContainerfile = (): Promise<string> =>
  readFile(join(repoRoot, 'images', 'onload-user', 'Containerfile'), 'utf8');

describe('containerfileProblems', () => {
  it('finds undeclared arguments and unknown stages', () => {
    const file = parseContainerfile(
      'ARG BASE=x\nFROM ${BASE} AS a\nFROM ${OTHER}\nLABEL v=${VERSION}\nCOPY --from=b / /\n',
    );
    expect(containerfileProblems(file)).toEqual([
      'stage 1: FROM uses ${OTHER}, not an ARG before the first FROM',
      'stage 1: LABEL uses ${VERSION}, not declared in the stage',
      'stage 1: COPY --from=b names no earlier stage',
    ]);
  });
});

describe('images/onload-user/Containerfile', () => {
  it('declares what it uses and builds from onload-source', async () => {
    const file = parseContainerfile(await userContainerfile());
    expect(containerfileProblems(file)).toEqual([]);
    expect(file.stages.map((s) => s.name ?? s.from)).toEqual(
      ['${ONLOAD_SOURCE}', 'build', '${RUNTIME_BASE}'].map((x, i) =>
        i === 0 ? 'onload-source' : x,
      ),
    );
    expect(file.globalArgs).toEqual(['ONLOAD_SOURCE', 'BUILD_BASE', 'RUNTIME_BASE']);
  });

  it('installs the paths the chart copies from it', async () => {
    const text = await userContainerfile();
    const controlPlane = await readFile(
      join(repoRoot, 'charts/onload/templates/control-plane-daemonset.yaml'),
      'utf8',
    );
    const devicePlugin = await readFile(
      join(repoRoot, 'charts/onload/templates/device-plugin-daemonset.yaml'),
      'utf8',
    );
    expect(controlPlane).toContain('cp -v /opt/onload/sbin/onload_cp_server');
    expect(text).toContain('test -x /opt/onload/sbin/onload_cp_server');
    expect(devicePlugin).toContain('cp -TRv /opt/onload /host/onload');
    expect(text).toContain('COPY --from=build /opt/onload /opt/onload');
    // The device plugin mounts libonload from <hostOnloadPath>/usr/lib64 (devicePlugin.libMountPath).
    expect(text).toContain('test -x /opt/onload/usr/lib64/libonload.so');
  });

  it('installs, executable, the programs the init step reads the userland version from', async () => {
    const text = await userContainerfile();
    const helpers = await readFile(join(repoRoot, 'charts/onload/templates/_helpers.tpl'), 'utf8');
    expect(helpers).toContain('userland=/opt/onload');
    for (const program of ['usr/lib64/libonload.so', 'sbin/onload_cp_server']) {
      expect(helpers).toContain(`"$userland/${program}"`);
      expect(text).toContain(`test -x /opt/onload/${program}`);
    }
  });
});

describe.each(['dtk-ubi', 'ubuntu'])('the chart Dockerfile %s (kernel-module recipe)', (base) => {
  it('declares what it uses and lays the modules out where KMM looks', async () => {
    const text = await renderText({
      variant: 'minimal',
      overrides: { moduleBuild: { dockerfiles: [base] } },
      extraArgs: ['--show-only', 'templates/module-dockerfiles.yaml'],
    });
    const dockerfile = (parse(text) as { data: { dockerfile: string } }).data.dockerfile;
    const file = parseContainerfile(dockerfile);
    expect(containerfileProblems(file)).toEqual([]);
    const last = file.stages.at(-1);
    expect(last?.instructions).toContain(
      'COPY --from=build /opt/lib/modules/${KERNEL_FULL_VERSION} /opt/lib/modules/${KERNEL_FULL_VERSION}',
    );
  });
});
