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

{{/*
Pod label with the onload.version whose userland a device plugin / control plane pod runs (a name:
the init step compares the driver with the version the userland reports itself).
*/}}
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
(KMM's ready label) and the rollout has not paused the node. The ready label, not just our version
label: when KMM unloads and reloads the driver on its own (an untolerated taint), the pods leave
and come back new, and only a new control plane pod points the reloaded module at its
onload_cp_server (onload-worker sets that module parameter once, at start).
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
driver (the host's /sys/module, mounted read-only at /host/sys/module) reports the version of this
pod's userland, saying why it waits. The userland's version is the one it reports itself:
libonload.so run as a program prints "Onload <version>" (the string the driver checks
applications against), else onload_cp_server --version prints "Version: <version>". Only when
neither can be read is the driver compared with ONLOAD_VERSION (onload.version, which is a label
and may name a build differently). Versions compare word by word: the driver pads its version
with a space. Needs only sh builtins and sleep.
*/}}
{{- define "onload.waitForDriverScript" -}}
{{- $versionReady := include "onload.kmmVersionReadyLabel" (dict "namespace" .Release.Namespace "module" (include "onload.onloadModuleName" .)) -}}
userland=/opt/onload
driver=/host/sys/module/onload/version
label="$ONLOAD_VERSION"
nl='
'
words() { set -f; set -- $1; set +f; printf '%s' "$*"; }
mine=""
tried=""
lib="$userland/usr/lib64/libonload.so"
cpserver="$userland/sbin/onload_cp_server"
if [ ! -e "$lib" ]; then tried="$lib: not found"
elif [ ! -x "$lib" ]; then tried="$lib: not executable"
elif out=$("$lib" 2>/dev/null); then
  first=${out%%"$nl"*}
  case $first in
    *" "?*) mine=$(words "${first#* }"); from="$lib" ;;
    *) tried="$lib: printed no version" ;;
  esac
else tried="$lib: exit status $?"
fi
if [ -z "$mine" ]; then
  if [ ! -e "$cpserver" ]; then tried="$tried; $cpserver: not found"
  elif [ ! -x "$cpserver" ]; then tried="$tried; $cpserver: not executable"
  elif out=$("$cpserver" --version 2>&1); then
    case $out in
      *"Version: "?*) rest=${out#*"Version: "}; mine=$(words "${rest%%"$nl"*}"); from="$cpserver --version" ;;
      *) tried="$tried; $cpserver --version: printed no version" ;;
    esac
  else tried="$tried; $cpserver --version: exit status $?"
  fi
fi
if [ -n "$mine" ]; then
  against="this pod's userland"
  ours="this pod's Onload userland reports $mine"
  never="onload.userImage and the kernel-module images are different Onload builds"
  if [ "$mine" = "$label" ]; then printf '%s\n' "$ours ($from)"
  else printf '%s\n' "$ours ($from), not onload.version $label: fine if $label names this build; the driver must report $mine"
  fi
else
  mine=$(words "$label")
  against="onload.version"
  ours="onload.version is $mine"
  never="the driver does not report onload.version and this pod's userland cannot tell its own version"
  printf '%s\n' "cannot read the version of this pod's Onload userland ($tried); comparing the driver with onload.version $label instead"
fi
said=""
while :; do
  have=""
  if [ -r "$driver" ]; then read -r have < "$driver" || :; have=$(words "$have"); fi
  if [ -n "$have" ] && [ "$have" = "$mine" ]; then break; fi
  if [ -z "$have" ]; then msg="waiting: the onload driver is not loaded on this node; $ours"
  else msg="waiting: the loaded onload driver reports $have; $ours. They match once this node loads the driver of the same Onload build; if it already runs onload.version $label (node label {{ $versionReady }}=$label), they never will: $never"
  fi
  if [ "$msg" != "$said" ]; then printf '%s\n' "$msg"; said="$msg"; fi
  sleep 5
done
printf '%s\n' "onload driver $have matches $against"
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
{{ include "onload.nodeRuntimeEnv" .resources }}
{{- end -}}

{{/*
NODE_OPTIONS and MALLOC_ARENA_MAX of a container of the hooks image with these resources
(nodeOptions and nodeRuntimeEnv in hooks/src/contract.ts say why).
*/}}
{{- define "onload.nodeRuntimeEnv" -}}
{{- $limitMiB := include "onload.memoryMiB" (dig "limits" "memory" "" (. | default dict)) -}}
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
