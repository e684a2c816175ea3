// npm run migrate -- <upstream-onload-cr.yaml> [-o values.yaml]
// (npm run migrate -- handover ...: the node-by-node handover, see handover/cli.ts)
// Converts an upstream Onload CR into values for this chart. The values go to stdout (or -o);
// what could not be carried over, and why, goes to stderr. Exit codes: 0 ready to install,
// 1 written but the values need your edits (lines marked "action"), 2 the input was unusable.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parse, parseAllDocuments } from 'yaml';
import { isJsonObject, type JsonObject } from '../json.ts';
import { outputFiles } from '../sources.ts';
import { migrate, MigrationError } from './convert.ts';
import { checkValues, renderMigratedValues, unexplained } from './output.ts';
import { handoverMain } from './handover/cli.ts';

const root = join(import.meta.dirname, '..', '..');
const usage = 'usage: npm run migrate -- <upstream-onload-cr.yaml> [-o values.yaml]';

async function main(): Promise<number> {
  const { values: options, positionals } = parseArgs({
    allowPositionals: true,
    options: { output: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' } },
  });
  if (options.help) {
    console.log(usage);
    return 0;
  }
  const [input, ...extra] = positionals;
  if (input === undefined || extra.length > 0) {
    console.error(usage);
    return 2;
  }
  const documents = parseAllDocuments(await readFile(input, 'utf8'));
  if (!Array.isArray(documents)) throw new MigrationError(`${input}: empty input`);
  const broken = documents.flatMap((d) => d.errors.map((e) => e.message));
  if (broken.length > 0) throw new MigrationError(`${input}: not valid YAML: ${broken.join('; ')}`);

  const chartValues = parse(
    await readFile(join(root, outputFiles.valuesYaml), 'utf8'),
  ) as JsonObject;
  const schema = JSON.parse(
    await readFile(join(root, outputFiles.valuesSchema), 'utf8'),
  ) as JsonObject;
  const defaultSelector = isJsonObject(chartValues.selector)
    ? (chartValues.selector as Record<string, string>)
    : {};
  const migration = migrate(
    documents.map((d) => d.toJS() as unknown),
    { defaultSelector },
  );
  const text = renderMigratedValues(migration, input);
  if (options.output) await writeFile(options.output, text);
  else process.stdout.write(text);

  for (const note of migration.notes) {
    console.error(`${note.action ? 'action' : 'info  '}  ${note.path}: ${note.message}`);
  }
  const problems = unexplained(checkValues(chartValues, migration.values, schema), migration);
  for (const problem of problems) console.error(`action  ${problem.field}: ${problem.message}`);
  const actions = migration.notes.filter((n) => n.action).length + problems.length;
  console.error(
    actions === 0
      ? `converted ${input}${options.output ? ` to ${options.output}` : ''}: ready for helm install`
      : `converted ${input}${options.output ? ` to ${options.output}` : ''}: ${String(actions)} thing(s) to fix first (lines marked action)`,
  );
  return actions === 0 ? 0 : 1;
}

const [command, ...rest] = process.argv.slice(2);
(command === 'handover' ? handoverMain(rest) : main()).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`migrate: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 2;
  },
);
