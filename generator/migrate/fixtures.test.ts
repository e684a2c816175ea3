// The upstream samples (fixtures/, written from the facts in the upstream reference) convert
// without loss, validate against the generated schema and render with Helm 3 and Helm 4.
import { describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { helm } from '../../ci/lib/helm.ts';
import { run } from '../../ci/lib/process.ts';
import { isJsonObject, type JsonObject, type JsonValue } from '../json.ts';
import { outputFiles } from '../sources.ts';
import { repoRoot } from '../tests/sources.ts';
import { coalesce } from './coalesce.ts';
import { migrate, type Migration } from './convert.ts';
import { checkValues, unexplained } from './output.ts';

const fixtures = join(import.meta.dirname, 'fixtures');
const chartValues = parse(
  readFileSync(join(repoRoot, outputFiles.valuesYaml), 'utf8'),
) as JsonObject;
const schema = JSON.parse(
  readFileSync(join(repoRoot, outputFiles.valuesSchema), 'utf8'),
) as JsonObject;
const context = { defaultSelector: chartValues.selector as Record<string, string> };

/** What the user adds where the sample leaves values to them (the "action" notes). */
const userFixes: Readonly<Record<string, JsonObject>> = {
  'base.yaml': {
    onload: {
      version: '8.1.2.26',
      kernelMappings: [
        {
          regexp: '^.*\\.x86_64$',
          kernelModuleImage: 'r/onload-module:8.1.2.26-${KERNEL_FULL_VERSION}',
        },
      ],
    },
  },
  'pre-built.yaml': { onload: { version: '8.1.2.26' } },
};

const cases = [
  'base.yaml',
  'in-cluster-build-ocp.yaml',
  'in-cluster-build-ocp-clusterlocal.yaml',
  'pre-built.yaml',
  'from-cluster.yaml',
];

function documentsOf(file: string): unknown[] {
  return parseAllDocuments(readFileSync(join(fixtures, file), 'utf8')).map(
    (d) => d.toJS() as unknown,
  );
}

function onloadSpecOf(documents: unknown[]): JsonObject {
  const cr = documents.find((d) => isJsonObject(d) && d.kind === 'Onload');
  if (!isJsonObject(cr) || !isJsonObject(cr.spec)) throw new Error('fixture has no Onload spec');
  return cr.spec;
}

type Step = string | number;

/** Every leaf (scalar, empty list, empty map) with its path. */
function leaves(value: JsonValue, path: readonly Step[] = []): [Step[], JsonValue][] {
  if (Array.isArray(value) && value.length > 0) {
    return value.flatMap((item, index) => leaves(item, [...path, index]));
  }
  if (isJsonObject(value) && Object.keys(value).length > 0) {
    return Object.entries(value).flatMap(([key, child]) => leaves(child, [...path, key]));
  }
  return [[[...path], value]];
}

/** onload.kernelMappings[0].regexp */
function display(path: readonly Step[]): string {
  return path
    .map((s, i) => (typeof s === 'number' ? `[${String(s)}]` : i === 0 ? s : `.${s}`))
    .join('');
}

const renamed: Readonly<Record<string, string>> = { libMounthPath: 'libMountPath' };

function valueAt(values: JsonValue, path: readonly Step[]): JsonValue | undefined {
  let current: JsonValue | undefined = values;
  for (const step of path) {
    if (typeof step === 'number') current = Array.isArray(current) ? current[step] : undefined;
    else current = isJsonObject(current) ? current[renamed[step] ?? step] : undefined;
  }
  return current;
}

/** Leaves of the CR spec that reached neither the values nor a note. */
function lost(spec: JsonObject, migration: Migration): string[] {
  return leaves(spec)
    .filter(([path, value]) => {
      if (JSON.stringify(valueAt(migration.values, path)) === JSON.stringify(value)) return false;
      const where = `spec.${display(path)}`;
      return !migration.notes.some((n) => n.dropped && where.startsWith(n.path));
    })
    .map(([path]) => display(path));
}

describe.each(cases)('upstream sample %s', (file) => {
  const documents = documentsOf(file);
  const migration = migrate(documents, context);
  const fixed = coalesce(migration.values, userFixes[file] ?? {});

  it('converts without loss: every spec field is carried over or explained', () => {
    expect(lost(onloadSpecOf(documents), migration)).toEqual([]);
  });

  it('asks for exactly the edits the schema needs, and validates once they are made', () => {
    const problems = checkValues(chartValues, migration.values, schema);
    expect(unexplained(problems, migration)).toEqual([]);
    const actions = migration.notes.filter((n) => n.action);
    expect(actions.length > 0).toBe(file in userFixes);
    expect(checkValues(chartValues, fixed, schema)).toEqual([]);
  });

  it.each([3, 4] as const)(
    'renders with Helm %i, passing the kernel mappings to KMM unchanged',
    async (major) => {
      const dir = await mkdtemp(join(tmpdir(), 'onload-migrate-'));
      try {
        const valuesFile = join(dir, 'values.yaml');
        await writeFile(valuesFile, stringify(fixed));
        const result = await helm(
          major,
          ['template', 'onload', join(repoRoot, 'charts/onload'), '-n', 'onload', '-f', valuesFile],
          {
            allowFailure: true,
          },
        );
        expect(result.stderr).toBe('');
        expect(result.code).toBe(0);
        const rendered = parseAllDocuments(result.stdout).map((d) => d.toJS() as unknown);
        const cr = rendered.find((d) => isJsonObject(d) && d.kind === 'Onload') as
          { spec: JsonObject } | undefined;
        const expected = (fixed.onload as JsonObject).kernelMappings;
        expect((cr?.spec.onload as JsonObject | undefined)?.kernelMappings).toEqual(expected);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    60_000,
  );
});

describe('npm run migrate', () => {
  const cli = join(repoRoot, 'generator/migrate/cli.ts');

  it('writes the values file, reports on stderr and exits 0 when ready', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'onload-migrate-'));
    try {
      const output = join(dir, 'values.yaml');
      const result = await run(
        process.execPath,
        [cli, join(fixtures, 'from-cluster.yaml'), '-o', output],
        {
          allowFailure: true,
        },
      );
      expect(result.code).toBe(0);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(
        'spec.devicePlugin.libMounthPath: renamed to devicePlugin.libMountPath',
      );
      expect(result.stderr).toContain('ready for helm install');
      const written = parse(await readFile(output, 'utf8')) as JsonObject;
      expect(written.devicePlugin).toMatchObject({ libMountPath: '/usr/lib64' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('prints the values on stdout and exits 1 when the user must edit them', async () => {
    const result = await run(process.execPath, [cli, join(fixtures, 'base.yaml')], {
      allowFailure: true,
    });
    expect(result.code).toBe(1);
    expect(parse(result.stdout)).toMatchObject({ sfc: { enabled: false } });
    expect(result.stderr).toMatch(/^action {2}spec\.onload\.version: /m);
    expect(result.stderr).toMatch(/^action {2}spec\.onload\.kernelMappings: /m);
    expect(result.stderr).toContain('2 thing(s) to fix first');
  }, 30_000);

  it('exits 2 with a clear message on input without an Onload', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'onload-migrate-'));
    try {
      const input = join(dir, 'cm.yaml');
      await writeFile(input, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n');
      const result = await run(process.execPath, [cli, input], { allowFailure: true });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('migrate: no Onload resource');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
