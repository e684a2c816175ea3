import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { chartVersion } from '../build.ts';
import { generate } from './generate.ts';
import { krewManifest } from './manifest.ts';

const uri = 'https://example.com/releases/v0.1.0/kubectl-onload.tar.gz';
const sha = 'a'.repeat(64);

describe('krew manifest', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'krew-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is a krew v1alpha2 Plugin with the release archive, its sha256 and the binary', () => {
    const manifest = parse(krewManifest({ version: '0.1.0', uri, sha256: sha })) as {
      apiVersion: string;
      kind: string;
      metadata: { name: string };
      spec: { version: string; platforms: Record<string, unknown>[]; homepage?: string };
    };
    expect(manifest.apiVersion).toBe('krew.googlecontainertools.github.com/v1alpha2');
    expect(manifest.kind).toBe('Plugin');
    expect(manifest.metadata.name).toBe('onload');
    expect(manifest.spec.version).toBe('v0.1.0');
    expect(manifest.spec.homepage).toBeUndefined();
    expect(manifest.spec.platforms).toEqual([
      {
        selector: {
          matchExpressions: [{ key: 'os', operator: 'In', values: ['linux', 'darwin'] }],
        },
        uri,
        sha256: sha,
        bin: 'kubectl-onload',
        files: [{ from: 'kubectl-onload', to: '.' }],
      },
    ]);
  });

  it('writes the manifest of an archive with its computed sha256 and the chart version', async () => {
    const archive = join(dir, 'kubectl-onload.tar.gz');
    await writeFile(archive, 'archive bytes');
    const out = join(dir, 'onload.yaml');
    const result = await generate(['--uri', uri, '--archive', archive, '-o', out]);
    expect(result.code).toBe(0);
    const spec = (
      parse(await readFile(out, 'utf8')) as {
        spec: { version: string; platforms: { sha256: string }[] };
      }
    ).spec;
    expect(spec.version).toBe(`v${await chartVersion()}`);
    expect(spec.platforms[0]?.sha256).toBe(
      createHash('sha256').update('archive bytes').digest('hex'),
    );
  });

  it('refuses inputs that would make a broken manifest, naming the flag', async () => {
    const out = join(dir, 'refused.yaml');
    const cases: [string[], string][] = [
      [['--sha256', sha], '--uri <https URL of the release tar.gz> is required'],
      [
        ['--uri', uri],
        'give one of --archive <the tar.gz> (its sha256 is computed) or --sha256 <hex>',
      ],
      [
        ['--uri', 'http://example.com/x.tar.gz', '--sha256', sha],
        '--uri: "http://example.com/x.tar.gz" is not an https URL of a .tar.gz archive',
      ],
      [['--uri', uri, '--sha256', 'ABC'], '--sha256: "ABC" is not 64 lower-case hex digits'],
      [
        ['--uri', uri, '--sha256', sha, '--version', 'latest'],
        '--version: "latest" is not a semantic version such as 0.1.0',
      ],
      [
        ['--uri', uri, '--archive', join(dir, 'missing.tar.gz')],
        `--archive: cannot read ${join(dir, 'missing.tar.gz')}`,
      ],
    ];
    for (const [argv, message] of cases) {
      const result = await generate([...argv, '-o', out]);
      expect([argv, result.code]).toEqual([argv, 2]);
      expect(result.message).toContain(message);
    }
    await expect(readFile(out)).rejects.toThrow();
  });
});
