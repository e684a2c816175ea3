{{/*
Helpers shared by every template. All names are prefixed with the chart name so that the chart
can be used as a subchart without collisions.
*/}}

{{/* Chart name, or nameOverride. */}}
{{- define "onload.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Release-scoped base name: fullnameOverride, else the release name when it already contains the
chart name, else "<release>-<chart>"; at most 63 characters.
*/}}
{{- define "onload.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := include "onload.name" . -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Name of one of the release's namespaced objects: "<fullname>-<suffix>", the base shortened so
that the suffix always fits in 63 characters.
Usage: include "onload.componentName" (dict "root" $ "suffix" "device-plugin")
*/}}
{{- define "onload.componentName" -}}
{{- $base := include "onload.fullname" .root | trunc (int (sub 62 (len .suffix))) | trimSuffix "-" -}}
{{- printf "%s-%s" $base .suffix -}}
{{- end -}}

{{/*
Name of a cluster-scoped object: carries the namespace too, because two releases of the same
name in different namespaces would otherwise collide.
Usage: include "onload.clusterName" (dict "root" $ "suffix" "hooks")
*/}}
{{- define "onload.clusterName" -}}
{{- printf "%s-%s-%s" .root.Release.Namespace (include "onload.fullname" .root) .suffix -}}
{{- end -}}

{{/* The node label the default selector needs and the NodeFeatureRule sets. */}}
{{- define "onload.solarflareLabel" -}}
feature.node.kubernetes.io/pci-1924.present
{{- end -}}

{{/* The selector as a kubectl label selector (key=value,...). */}}
{{- define "onload.selectorString" -}}
{{- $terms := list -}}
{{- range $k, $v := .Values.selector -}}
{{- $terms = append $terms (printf "%s=%s" $k $v) -}}
{{- end -}}
{{- join "," $terms -}}
{{- end -}}

{{/*
How many of the cluster's nodes the selector matches; empty without a cluster to ask (helm
template, client-side dry run, Argo CD).
*/}}
{{- define "onload.selectedNodeCount" -}}
{{- with lookup "v1" "Node" "" "" -}}
{{- include "onload.countSelected" (dict "root" $ "nodes" .items) -}}
{{- end -}}
{{- end -}}

{{/* How many of .nodes (Node objects) carry every label of .root.Values.selector. */}}
{{- define "onload.countSelected" -}}
{{- $count := 0 -}}
{{- range .nodes -}}
{{- $labels := .metadata.labels | default dict -}}
{{- $match := true -}}
{{- range $k, $v := $.root.Values.selector -}}
{{- if or (not (hasKey $labels $k)) (ne (toString (get $labels $k)) (toString $v)) -}}
{{- $match = false -}}
{{- end -}}
{{- end -}}
{{- if $match }}{{ $count = add1 $count }}{{ end -}}
{{- end -}}
{{- $count -}}
{{- end -}}

{{/* "<chart>-<version>" for the helm.sh/chart label. */}}
{{- define "onload.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Selector labels: only keys that never change for the life of a release (selectors are immutable).
Usage: include "onload.selectorLabels" (dict "root" $ "component" "device-plugin")
*/}}
{{- define "onload.selectorLabels" -}}
app.kubernetes.io/name: {{ include "onload.name" .root | quote }}
app.kubernetes.io/instance: {{ .root.Release.Name | quote }}
app.kubernetes.io/component: {{ .component | quote }}
{{- end -}}

{{/*
Full label set of every object: selector labels, the rest of app.kubernetes.io/*, helm.sh/chart
and commonLabels.
Usage: include "onload.labels" (dict "root" $ "component" "device-plugin")
*/}}
{{- define "onload.labels" -}}
{{ include "onload.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: onload
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ include "onload.chart" .root }}
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/*
Replaces the registry of an image reference written as one string with global.imageRegistry.
The first path element is a registry when it contains "." or ":" or is "localhost" (the rule
container runtimes use); otherwise the reference has none and the mirror is prepended. The rest
of the reference, including KMM variables such as ${KERNEL_FULL_VERSION}, is kept byte for byte.
Usage: include "onload.imageRef" (dict "root" $ "ref" .Values.onload.userImage)
*/}}
{{- define "onload.imageRef" -}}
{{- $mirror := trimSuffix "/" .root.Values.global.imageRegistry -}}
{{- if $mirror -}}
{{- $parts := splitList "/" .ref -}}
{{- $first := first $parts -}}
{{- if and (gt (len $parts) 1) (or (contains "." $first) (contains ":" $first) (eq $first "localhost")) -}}
{{- $parts = rest $parts -}}
{{- end -}}
{{- printf "%s/%s" $mirror (join "/" $parts) -}}
{{- else -}}
{{- .ref -}}
{{- end -}}
{{- end -}}

{{/*
Image reference from an images.* entry {registry, repository, tag, digest}. global.imageRegistry
replaces the registry; a digest wins over the tag; an empty tag falls back to defaultTag when one
is given.
Usage: include "onload.image" (dict "root" $ "image" .Values.images.hooks "name" "images.hooks" "defaultTag" .Chart.AppVersion)
*/}}
{{- define "onload.image" -}}
{{- if not (and .root .image .name) -}}
{{- fail "onload.image needs (dict \"root\" $ \"image\" <images.* entry> \"name\" <values path>)" -}}
{{- end -}}
{{- $repository := required (printf "%s.repository must not be empty" .name) .image.repository -}}
{{- $registry := .root.Values.global.imageRegistry | default .image.registry | trimSuffix "/" -}}
{{- $ref := ternary (printf "%s/%s" $registry $repository) $repository (ne $registry "") -}}
{{- if .image.digest -}}
{{- printf "%s@%s" $ref .image.digest -}}
{{- else -}}
{{- $tag := .image.tag | default .defaultTag -}}
{{- if not $tag -}}
{{- fail (printf "%s: set tag or digest" .name) -}}
{{- end -}}
{{- printf "%s:%s" $ref $tag -}}
{{- end -}}
{{- end -}}

{{/* ServiceAccount of the KMM module loader, device plugin and control plane pods. */}}
{{- define "onload.workloadServiceAccountName" -}}
{{- .Values.serviceAccountName | default (include "onload.componentName" (dict "root" . "suffix" "workload")) -}}
{{- end -}}

{{- define "onload.labellerServiceAccountName" -}}
{{- include "onload.componentName" (dict "root" . "suffix" "labeller") -}}
{{- end -}}

{{- define "onload.sfptpdServiceAccountName" -}}
{{- include "onload.componentName" (dict "root" . "suffix" "sfptpd") -}}
{{- end -}}

{{/*
Node label keys of the node contract (docs/architecture.md; hooks/src/contract.ts spells the same keys and
the render tests check that both agree).
Usage: include "onload.kmmVersionLabel" (dict "namespace" .Release.Namespace "module" "onload")
*/}}
{{- define "onload.kmmVersionLabel" -}}
{{- printf "kmm.node.kubernetes.io/version-module.%s.%s" .namespace .module -}}
{{- end -}}

{{- define "onload.kmmReadyLabel" -}}
{{- printf "kmm.node.kubernetes.io/%s.%s.ready" .namespace .module -}}
{{- end -}}

{{- define "onload.kmmVersionReadyLabel" -}}
{{- printf "kmm.node.kubernetes.io/%s.%s.version.ready" .namespace .module -}}
{{- end -}}

{{/* Usage: include "onload.stateLabel" .Release.Namespace */}}
{{- define "onload.stateLabel" -}}
{{- printf "onload.amd.com/%s.upgrade-state" . -}}
{{- end -}}

{{- define "onload.pausedLabel" -}}
{{- printf "onload.amd.com/%s.paused" . -}}
{{- end -}}

{{/* Pod label with the Onload userland version of a device plugin / control plane pod. */}}
{{- define "onload.userlandVersionLabel" -}}
onload.amd.com/version
{{- end -}}

{{/* Pod label that keeps a pod out of every rollout's evictions. */}}
{{- define "onload.podEvictSkipLabel" -}}
onload.amd.com/evict-skip
{{- end -}}

{{/* KMM Module names (fixed names, one Onload deployment per namespace). */}}
{{- define "onload.onloadModuleName" -}}
onload
{{- end -}}

{{- define "onload.sfcModuleName" -}}
sfc
{{- end -}}

{{/* imagePullSecrets of every pod, when any are set. */}}
{{- define "onload.imagePullSecrets" -}}
{{- with .Values.imagePullSecrets -}}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end -}}
{{- end -}}

{{/*
Required node affinity of the device plugin and control plane pods: the onload driver is loaded
(KMM's ready label) and the rollout has not paused the node.
*/}}
{{- define "onload.driverReadyAffinity" -}}
nodeAffinity:
  requiredDuringSchedulingIgnoredDuringExecution:
    nodeSelectorTerms:
      - matchExpressions:
          - key: {{ include "onload.kmmReadyLabel" (dict "namespace" .Release.Namespace "module" (include "onload.onloadModuleName" .)) }}
            operator: Exists
          - key: {{ include "onload.pausedLabel" .Release.Namespace }}
            operator: DoesNotExist
{{- end -}}

{{/*
Shell script (run by the userImage-based init containers) that waits until the loaded onload
driver has the version of this pod's userland, saying why it waits. Reads ONLOAD_VERSION and
/host/sys/module (the host's /sys/module, read-only).
*/}}
{{- define "onload.waitForDriverScript" -}}
want="$ONLOAD_VERSION"
file=/host/sys/module/onload/version
said=""
while :; do
  have=""
  if [ -r "$file" ]; then have=$(tr -d '[:space:]' < "$file"); fi
  if [ "$have" = "$want" ]; then break; fi
  if [ -z "$have" ]; then why="the onload driver is not loaded on this node"; else why="the loaded onload driver is $have"; fi
  msg="waiting: $why, this pod's Onload userland is $want; the node's driver upgrade will load $want"
  if [ "$msg" != "$said" ]; then echo "$msg"; said="$msg"; fi
  sleep 5
done
echo "onload driver $have matches this pod's userland"
{{- end -}}

{{/* Volume and mount of the host's /sys/module for the wait script. */}}
{{- define "onload.sysModuleVolume" -}}
- name: sys-module
  hostPath:
    path: /sys/module
    type: Directory
{{- end -}}

{{- define "onload.sysModuleMount" -}}
- name: sys-module
  mountPath: /host/sys/module
  readOnly: true
{{- end -}}

{{/* Pod-level settings shared by the device plugin, control plane and sfptpd pods. */}}
{{- define "onload.nodeAgentPodSettings" -}}
{{- $parts := list -}}
{{- with .Values.tolerations -}}
{{- $parts = append $parts (printf "tolerations:\n%s" (toYaml . | indent 2)) -}}
{{- end -}}
{{- with .Values.priorityClassName -}}
{{- $parts = append $parts (printf "priorityClassName: %s" (quote .)) -}}
{{- end -}}
{{- with include "onload.imagePullSecrets" . -}}
{{- $parts = append $parts . -}}
{{- end -}}
{{- join "\n" $parts -}}
{{- end -}}

{{/*
Security context of the hook and labeller containers: non-root, read-only root file system, no
capabilities, no privilege escalation, RuntimeDefault seccomp.
*/}}
{{- define "onload.restrictedPodSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "onload.restrictedContainerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop:
    - ALL
{{- end -}}

{{/*
Environment of the hook and labeller containers (hooks/src/contract.ts hookEnv).
Usage: include "onload.hookEnv" (dict "root" $ "logLevel" .Values.hooks.logLevel "deadlineSeconds" .Values.hooks.timeoutSeconds)
deadlineSeconds may be omitted (the labeller has none); moduleLoaders (the hook Jobs) adds the
Modules' rendered loaders.
*/}}
{{- define "onload.hookEnv" -}}
- name: ONLOAD_RELEASE
  value: {{ .root.Release.Name | quote }}
- name: ONLOAD_NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
- name: ONLOAD_CR_NAME
  value: {{ include "onload.fullname" .root | quote }}
- name: ONLOAD_SPEC
  {{- /* onload.specJson (templates/_spec.tpl, generated): JSON of the spec part of .Values */}}
  value: {{ include "onload.specJson" .root | quote }}
- name: ONLOAD_CHART_VERSION
  value: {{ .root.Chart.Version | quote }}
{{- if .moduleLoaders }}
- name: ONLOAD_MODULE_LOADERS
  {{- /* onload.moduleLoadersJson (templates/_kmm-modules.tpl): what the Modules' loaders become */}}
  value: {{ include "onload.moduleLoadersJson" .root | quote }}
{{- end }}
{{- if hasKey . "deadlineSeconds" }}
- name: ONLOAD_DEADLINE_SECONDS
  value: {{ int .deadlineSeconds | quote }}
{{- end }}
- name: POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: LOG_LEVEL
  value: {{ .logLevel | quote }}
{{- /* nodeOptions and nodeRuntimeEnv in hooks/src/contract.ts say why. */}}
{{- $limitMiB := include "onload.memoryMiB" (dig "limits" "memory" "" (.resources | default dict)) }}
- name: NODE_OPTIONS
  value: {{ printf "--max-semi-space-size=1%s" (ternary "" (printf " --max-old-space-size=%d" (div (atoi $limitMiB) 2)) (eq $limitMiB "")) | quote }}
- name: MALLOC_ARENA_MAX
  value: "2"
{{- end -}}

{{- /* A memory quantity in whole MiB (rounded down); empty when not set or not understood. */}}
{{- define "onload.memoryMiB" -}}
{{- $q := kindIs "float64" . | ternary (printf "%d" (int64 .)) (toString .) -}}
{{- if regexMatch "^[0-9]+Mi$" $q }}{{ trimSuffix "Mi" $q | atoi }}
{{- else if regexMatch "^[0-9]+Gi$" $q }}{{ mul (trimSuffix "Gi" $q | atoi) 1024 }}
{{- else if regexMatch "^[0-9]+Ki$" $q }}{{ div (trimSuffix "Ki" $q | atoi) 1024 }}
{{- else if regexMatch "^[0-9]+M$" $q }}{{ div (mul (trimSuffix "M" $q | atoi) 1000000) 1048576 }}
{{- else if regexMatch "^[0-9]+G$" $q }}{{ div (mul (trimSuffix "G" $q | atoi) 1000000000) 1048576 }}
{{- else if regexMatch "^[0-9]+$" $q }}{{ div (atoi $q) 1048576 }}
{{- end -}}
{{- end -}}
