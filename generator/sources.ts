// Where the generator reads from and writes to, relative to the repository root.

export const sourceFiles = {
  crd: 'schema/onload-crd.yaml',
  chartValues: 'schema/chart-values.yaml',
  valuesTableTemplate: 'generator/templates/values-table.md.hbs',
} as const;

export const outputFiles = {
  valuesSchema: 'charts/onload/values.schema.json',
  valuesYaml: 'charts/onload/values.yaml',
  readme: 'charts/onload/README.md',
  crd: 'charts/onload/crds/onload.amd.com_onloads.yaml',
  types: 'hooks/generated/onload-types.ts',
  specValidator: 'hooks/generated/spec-validator.ts',
  specHelper: 'charts/onload/templates/_spec.tpl',
} as const;

export type OutputName = keyof typeof outputFiles;
