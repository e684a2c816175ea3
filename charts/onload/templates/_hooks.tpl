{{/*
Hook Jobs: one per entry point of the hooks image. Their ServiceAccount and RBAC are hooks for
all of these events, weighted before the Jobs (templates/hooks-rbac.yaml).
*/}}

{{/*
Entry points (hooks/src/contract.ts entryPoints) of the hook Jobs, in lifecycle order, with the
Helm hook events each runs on. Output: YAML list of {entry, events}.
*/}}
{{- define "onload.hookJobs" -}}
- entry: pre
  events: pre-install,pre-upgrade,pre-rollback
- entry: post
  events: post-install,post-upgrade,post-rollback
- entry: pre-delete
  events: pre-delete
- entry: post-delete
  events: post-delete
{{- end -}}

{{- define "onload.hookDeletePolicy" -}}
before-hook-creation,hook-succeeded
{{- end -}}

{{/* Annotations of the hook ServiceAccount and RBAC: every Job event, weighted before the Jobs. */}}
{{- define "onload.hookRbacAnnotations" -}}
{{- $events := list -}}
{{- range include "onload.hookJobs" . | fromYamlArray -}}
{{- $events = append $events .events -}}
{{- end -}}
helm.sh/hook: {{ join "," $events }}
helm.sh/hook-weight: "-10"
helm.sh/hook-delete-policy: {{ include "onload.hookDeletePolicy" . }}
{{- end -}}
