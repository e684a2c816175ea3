// templates/_spec.tpl: Helm helpers that select the spec part of .Values, so that templates never
// spell out the list of spec keys.
import type { Model } from '../stages/model.ts';
import { generatedNotice } from './header.ts';

export function renderSpecHelper(model: Model): string {
  const keys = model.specKeys.map((k) => `"${k}"`).join(' ');
  const notice = generatedNotice(model.sourceFiles).map((line) => `  ${line}`);
  return [
    '{{/*',
    ...notice,
    '*/}}',
    '',
    '{{/*',
    '  The Onload CR spec as YAML: the spec keys of .Values, passed through whole.',
    '  Usage: spec: {{- include "onload.spec" . | nindent 2 }}',
    '*/}}',
    '{{- define "onload.spec" -}}',
    `{{- pick .Values ${keys} | toYaml -}}`,
    '{{- end -}}',
    '',
    '{{/*',
    "  The same spec as compact JSON (the hooks' ONLOAD_SPEC environment variable).",
    '*/}}',
    '{{- define "onload.specJson" -}}',
    `{{- pick .Values ${keys} | toJson -}}`,
    '{{- end -}}',
    '',
  ].join('\n');
}
