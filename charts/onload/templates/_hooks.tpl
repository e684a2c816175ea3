{{/*
Hook Jobs: one per entry point of the hooks image, each running as one of the hook identities
(ServiceAccount + RBAC, templates/hooks-rbac.yaml).
*/}}

{{/*
Entry points (hooks/src/contract.ts entryPoints) of the hook Jobs, in lifecycle order, with the
Helm hook events each runs on and the identity (onload.hookIdentities) it runs as.
Output: YAML list of {entry, events, identity, ttlSecondsAfterFinished?}.
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
- entry: post-delete
  events: post-delete
  identity: hooks-post-delete
  # Argo CD 3.6 removes its PostDelete finalizer without deleting the PostDelete Jobs when another
  # PostDelete hook object is still terminating at that moment; this bounds how long one stays.
  ttlSecondsAfterFinished: 60
{{- end -}}

{{/*
The hooks' identities: each must exist before any pod that runs as it is created, whatever orders
the hooks. Helm creates a phase's hooks by weight; Argo CD orders PreSync and PostSync hooks by
weight (sync wave) but creates all PreDelete hooks at once, then all PostDelete hooks at once.
- hooks: for the sync-phase Jobs; hooks of those events weighted before the Jobs, removed on
  success (at pre-install nothing of the release exists yet).
- hooks-pre-delete: an ordinary release object, so it exists before any delete hook starts; Helm
  and Argo CD delete it with the release, after the pre-delete hook.
- hooks-post-delete: created in the pre-delete phase (Argo CD) or before the Job by weight
  (Helm), kept by Argo CD through the deletion of the release's objects (Delete=false), and
  removed once the delete hooks succeeded.
Output: YAML list of {name, events?, argoCdKeep?}.
*/}}
{{- define "onload.hookIdentities" -}}
- name: hooks
  events: pre-install,pre-upgrade,pre-rollback,post-install,post-upgrade,post-rollback
- name: hooks-pre-delete
- name: hooks-post-delete
  events: pre-delete,post-delete
  argoCdKeep: true
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
{{- if .identity.argoCdKeep }}
argocd.argoproj.io/sync-options: Delete=false
{{- end }}
{{- end -}}
