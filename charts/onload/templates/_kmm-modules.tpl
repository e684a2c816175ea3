{{- /*
KMM Modules `onload` and (sfc.enabled) `sfc`. The Module version is set from creation (KMM refuses
to add it later); kernel-module images reach KMM byte for byte, ${KERNEL_FULL_VERSION} included.
Builds and signing are on the onload Module only: the sfc Module loads the image it produces.
.tolerations: the Modules' spec.tolerations (templates/_module-tolerations.tpl).
*/ -}}
{{- define "onload.kmmModule" -}}
{{- $root := .root -}}
{{- $mappings := list -}}
{{- range .kernelMappings -}}
{{- $mapping := dict "regexp" .regexp "containerImage" (include "onload.imageRef" (dict "root" $root "ref" .kernelModuleImage)) -}}
{{- if and $.withBuild .build -}}
{{- $_ := set $mapping "build" .build -}}
{{- end -}}
{{- $mappings = append $mappings $mapping -}}
{{- end -}}
apiVersion: kmm.sigs.x-k8s.io/v1beta1
kind: Module
metadata:
  name: {{ .name }}
  namespace: {{ $root.Release.Namespace | quote }}
  labels:
    {{- include "onload.labels" (dict "root" $root "component" "module") | nindent 4 }}
spec:
  selector:
    {{- toYaml $root.Values.selector | nindent 4 }}
  {{- with .tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $root.Values.imagePullSecrets }}
  imageRepoSecret:
    name: {{ (first .).name | quote }}
  {{- end }}
  moduleLoader:
    serviceAccountName: {{ include "onload.workloadServiceAccountName" $root | quote }}
    container:
      modprobe:
        moduleName: {{ .name }}
        parameters:
          - --first-time
      {{- with .inTreeModuleToRemove }}
      inTreeModuleToRemove: {{ . }}
      {{- end }}
      version: {{ $root.Values.onload.version | quote }}
      {{- with $root.Values.onload.registryTLS }}
      registryTLS:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with and .withBuild $root.Values.onload.sign }}
      {{- $sign := omit . "unsignedImage" }}
      {{- if .unsignedImage }}
      {{- $_ := set $sign "unsignedImage" (include "onload.imageRef" (dict "root" $root "ref" .unsignedImage)) }}
      {{- end }}
      sign:
        {{- toYaml $sign | nindent 8 }}
      {{- end }}
      {{- with $root.Values.onload.imagePullPolicy }}
      imagePullPolicy: {{ . }}
      {{- end }}
      kernelMappings:
        {{- toYaml $mappings | nindent 8 }}
{{- end -}}

{{- /* Every KMM Module of the release, as a multi-document YAML stream. */ -}}
{{- define "onload.kmmModules" -}}
{{- $tolerations := include "onload.moduleTolerations" . | fromJsonArray -}}
{{ include "onload.kmmModule" (dict "root" . "name" (include "onload.onloadModuleName" .) "kernelMappings" .Values.onload.kernelMappings "withBuild" true "tolerations" $tolerations) }}
{{- if .Values.sfc.enabled }}
{{- $marked := list }}
{{- range .Values.onload.kernelMappings }}
{{- if hasKey . "sfc" }}
{{- $marked = append $marked . }}
{{- end }}
{{- end }}
---
{{ include "onload.kmmModule" (dict "root" . "name" (include "onload.sfcModuleName" .) "kernelMappings" (default .Values.onload.kernelMappings $marked) "withBuild" false "inTreeModuleToRemove" "sfc" "tolerations" $tolerations) }}
{{- end }}
{{- end -}}

{{- /*
The rendered spec.moduleLoader of each Module by name, as compact JSON: the pre hook compares it
with the live Modules (ONLOAD_MODULE_LOADERS), so it sees exactly what Helm applies.
*/ -}}
{{- define "onload.moduleLoadersJson" -}}
{{- $loaders := dict -}}
{{- range $doc := splitList "\n---\n" (include "onload.kmmModules" .) -}}
{{- $module := fromYaml $doc -}}
{{- $_ := set $loaders $module.metadata.name $module.spec.moduleLoader -}}
{{- end -}}
{{- toJson $loaders -}}
{{- end -}}
