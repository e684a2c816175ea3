{{/*
Hook Jobs: one per entry point of the hooks image, each running as one of the hook identities
(ServiceAccount + RBAC, templates/hooks-rbac.yaml).
*/}}

{{/*
Entry points (hooks/src/contract.ts entryPoints) of the hook Jobs, in lifecycle order, with the
Helm hook events each runs on and the identity (onload.hookIdentities) it runs as.
Output: YAML list of {entry, events, identity}.
*/}}
{{- define "onload.hookJobs" -}}
- entry: pre
  events: pre-install,pre-upgrade,pre-rollback
  identity: hooks
- entry: post
  events: post-install,post-upgrade,post-rollback
  identity: hooks
- entry: pre-delete
  events: pre-delete
  identity: hooks-pre-delete
{{- end -}}

{{/*
The hooks' identities: each must exist before any pod that runs as it is created, whatever orders
the hooks. Helm creates a phase's hooks by weight; Argo CD orders PreSync and PostSync hooks by
weight (sync wave) but creates all PreDelete hooks at once.
- hooks: for the sync-phase Jobs; hooks of those events weighted before the Jobs, removed on
  success (at pre-install nothing of the release exists yet).
- hooks-pre-delete: an ordinary release object, so it exists before the delete hook starts; Helm
  and Argo CD delete it with the release, after the pre-delete hook. It alone (uninstalls) may
  scale the labeller to zero, which the pre-delete hook does before it cleans the nodes, and
  release the uninstall guard (templates/uninstall-guard.yaml).
Output: YAML list of {name, events?, uninstalls?}.
*/}}
{{- define "onload.hookIdentities" -}}
- name: hooks
  events: pre-install,pre-upgrade,pre-rollback,post-install,post-upgrade,post-rollback
- name: hooks-pre-delete
  uninstalls: true
{{- end -}}

{{- define "onload.hookDeletePolicy" -}}
before-hook-creation,hook-succeeded
{{- end -}}

{{/* Annotations of one hook identity's objects (.root, .identity from onload.hookIdentities). */}}
{{- define "onload.hookIdentityAnnotations" -}}
{{- with .identity.events }}
helm.sh/hook: {{ . }}
helm.sh/hook-weight: "-10"
helm.sh/hook-delete-policy: {{ include "onload.hookDeletePolicy" $.root }}
{{- end }}
{{- end -}}
